"""A service of the process provisioner: one command, in its own directory and session.

It runs in a new session, not tied to orch (no parent-death signal): an environment kept with
``--keep-env`` or warm in a pool outlives orch (a later one re-attaches to it: ``Adopted``),
and one whose orch was SIGKILLed is removed by whoever finds it (``leftovers``) through the
``ORCH_TAG`` its processes carry and its directory's ``owner.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from attrs import define, field

from orch.adapters.local import processes
from orch.adapters.local.executor import ENV_ALLOWLIST
from orch.adapters.local.free_ports import HOST, listening
from orch.adapters.local.processes import TAG_VAR
from orch.ports import Owner, ProvisionError, Usage

LOG_FILE = "output.log"
OWNER_VAR = "ORCH_OWNER"
"""The owner's labels (JSON) in every service process's environment, for one whose directory
is gone."""

TAG_PREFIX = "env/"


def tag_of(owner_id: str, service: str = "") -> str:
    """The ORCH_TAG of ``service``'s processes (without it: the prefix of all the owner's)."""
    return f"{TAG_PREFIX}{owner_id}/{service}"


def environment(
    owner: Owner, service: str, env: Mapping[str, str], ports: Mapping[int, int]
) -> dict[str, str]:
    """A service's whole environment: orch's allowlist (who and where), its own ``env``, then
    ``ORCH_PORT`` (the first port's host port) and ``ORCH_PORT_<declared>`` for each."""
    whole = {name: os.environ[name] for name in ENV_ALLOWLIST if name in os.environ}
    whole.update(env)
    whole.update((f"ORCH_PORT_{declared}", str(port)) for declared, port in ports.items())
    if ports:
        whole["ORCH_PORT"] = str(next(iter(ports.values())))
    whole[TAG_VAR] = tag_of(owner.id, service)
    whole[OWNER_VAR] = json.dumps(owner.labels, sort_keys=True)
    return whole


_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")


def expand_command(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """``argv`` with ``$NAME`` and ``${NAME}`` replaced by the service's own variables, as its
    shell would (``$ORCH_PORT``: the free port it is to listen on), without a shell; ``$$`` is a
    ``$``, and a name it does not get stays as written (``sh -c 'echo $f'`` keeps its ``$f``)."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(3)
        return env.get(name, match.group(0))

    return [_VARIABLE.sub(replace, arg) for arg in argv]


def spawn(
    service: str,
    argv: Sequence[str],
    directory: Path,
    env: Mapping[str, str],
    user: tuple[int, int] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in ``directory`` (as ``user``'s uid and gid when given), its output
    appended to the directory's log; a command that cannot start is a ``ProvisionError``."""
    with (directory / LOG_FILE).open("ab") as log:
        try:
            return subprocess.Popen(
                list(argv),
                cwd=directory,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=user[0] if user else None,
                group=user[1] if user else None,
                extra_groups=[] if user else None,
            )
        except OSError as error:
            raise ProvisionError(
                service,
                f"cannot start {argv[0]!r}: {error.strerror}; check its command "
                "(is it installed and on PATH?)",
            ) from error


class Leader(Protocol):
    """The process a service started as: whether it still runs, and how it ended."""

    @property
    def pid(self) -> int: ...

    def ended(self) -> str | None: ...


@define
class Child:
    """A leader this process started: its exit status is known (and it is reaped)."""

    popen: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def ended(self) -> str | None:
        status = self.popen.poll()
        if status is None:
            return None
        if status < 0:
            return f"killed by signal {-status}"
        return f"exited with status {status}"


@define
class Adopted:
    """A leader another orch started (a warm environment of a pool): not this process's child,
    so it runs while a process of its ``pid`` carries its ``tag``, and how it ended is unknown."""

    pid: int
    tag: str

    def ended(self) -> str | None:
        if processes.alive(self.pid) and processes.variable_of(self.pid, TAG_VAR) == self.tag:
            return None
        return "ended (started by another orch: its exit status is unknown)"


@define
class ServiceProcess:
    """A started process service (``RunningService``): reached on 127.0.0.1 at ``ports``."""

    name: str
    ports: Mapping[int, int]
    directory: Path
    env: Mapping[str, str] = field(repr=False)
    leader: Leader = field(repr=False)
    host: str = HOST

    @property
    def log(self) -> Path:
        return self.directory / LOG_FILE

    def listening(self, port: int) -> bool:
        """Whether the process accepts TCP connections on the host port of ``port``."""
        return port in self.ports and listening(self.ports[port])

    def run(self, command: Sequence[str], timeout: float) -> int:
        """Run ``command`` in the service's directory with its environment; its exit status,
        -1 when it outlived ``timeout`` (then it and its process group are killed), 127 when
        it cannot start."""
        try:
            child = subprocess.Popen(
                list(command),
                cwd=self.directory,
                env=dict(self.env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            return 127
        try:
            return child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            return -1

    def logs(self, tail: int = 0) -> str:
        """What the process printed (its last ``tail`` lines; 0: all)."""
        return last_lines(self.log, tail)

    def ended(self) -> str | None:
        """None while it runs; else its exit status or the signal that killed it."""
        return self.leader.ended()

    def usage(self) -> Usage:
        """CPU time and memory of the process and everything it started that still runs."""
        tag = self.env[TAG_VAR]
        tree = processes.tagged_tree(lambda found: found == tag, (self.leader.pid,))
        return processes.usage(tree)


def last_lines(log: Path, tail: int = 0) -> str:
    """The text of ``log`` (its last ``tail`` lines; 0: all); "" when it cannot be read."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    return "".join(text.splitlines(keepends=True)[-tail:]) if tail else text
