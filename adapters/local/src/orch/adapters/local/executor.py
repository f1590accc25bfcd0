"""Run shard commands as local processes: clean environment, own session, output in a file.

Each shard leads its own process group with ``ORCH_TAG=<tag>`` in its environment, dies with the
orchestrator (Linux ``PR_SET_PDEATHSIG``), and can be killed as a whole tree. Its output file
keeps the head and the tail of what it prints (``output_log``), as the command's limits say.
The command's isolation puts it in a bubblewrap sandbox (``sandbox``) or a container
(``container``) and pins it to its CPUs; the leader is reaped with ``wait4``, so each shard's
CPU time and peak memory are known (``usage``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, ClassVar

from attrs import define, evolve, field

from orch.adapters.local import container
from orch.adapters.local.container_watch import watch_containers
from orch.adapters.local.measure import USAGE_FILE, measured, read_usage
from orch.adapters.local.output_log import OutputLog
from orch.adapters.local.processes import TAG_VAR, kill_tagged
from orch.adapters.local.sandbox import sandbox_argv, tmp_roots
from orch.ports import HELD_VAR, Command, EnvironmentProblem, Isolation, Process, ResourceUse

ENV_ALLOWLIST = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TERM",
    "SHELL",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "COVERAGE_PROCESS_CONFIG",
    "COVERAGE_PROCESS_START",
    "COVERAGE_FILE",
)
"""The only variables a shard inherits from orch: who and where the user is, how this machine
reaches the network (certificates, proxies), and coverage.py's start-up hook (a measured orch has
its test processes measured too); everything else comes from the workflow's ``env`` and
``passenv``."""

TAIL_BYTES = 4096
"""How much of the end of ``output.log`` ``output_tail`` returns."""

KILL_WAIT = 10.0
"""Seconds ``kill`` waits for the killed leader to be reaped (one stuck in the kernel may not)."""

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, resolved once in the parent so the child only calls it (None off Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_prctl = _load_prctl()


def _die_with(parent: int, cpus: tuple[int, ...] = ()) -> Callable[[], None] | None:
    """A preexec_fn making the child get SIGKILL when ``parent``'s forking thread ends, and
    pinning it (and all it starts) to ``cpus`` when there are any."""
    prctl = _prctl
    if prctl is None:
        return None

    def die_with_parent() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the orchestrator died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)
        if cpus:
            os.sched_setaffinity(0, cpus)

    return die_with_parent


def child_environment(
    extra: Mapping[str, str], tmp: Path, tag: str, passenv: Sequence[str] = ()
) -> dict[str, str]:
    """The whole environment of a shard: the allowlist, the variables of orch's environment that
    match a ``passenv`` glob (case-sensitive, as names are), the command's own (which wins),
    TMPDIR and ORCH_TAG."""
    env = {name: os.environ[name] for name in ENV_ALLOWLIST if name in os.environ}
    env.update(
        (name, value)
        for name, value in os.environ.items()
        if any(fnmatchcase(name, pattern) for pattern in passenv)
    )
    env.update(extra)
    env["TMPDIR"] = str(tmp)
    env[TAG_VAR] = tag
    return env


@define
class LocalProcess:
    """A shard process started by LocalExecutor, with everything it spawned."""

    pid: int
    tag: str
    log: Path
    _popen: subprocess.Popen[bytes] = field(repr=False)
    stack_signal: int = 0
    exit_fd: int | None = field(default=None, repr=False)
    """A pidfd that becomes readable when the leader ends (Linux 5.3+), closed once reaped."""
    kept: OutputLog | None = field(default=None, repr=False)
    """The log behind ``log``, kept to its head and tail on each poll and cut last on kill."""
    input_fd: int | None = field(default=None, repr=False)
    """The write end of the pipe a held process has as its input, closed by ``release``."""
    contained: bool = False
    """A container's client: its container is removed when it is killed while running."""
    usage_file: Path | None = None
    """Where ``measure.py`` writes the usage of what runs inside a sandbox or container."""
    _rusage: object | None = field(default=None, repr=False)

    def release(self) -> None:
        """End the input of a process started held (``start_held``): it goes on."""
        if self.input_fd is not None:
            os.close(self.input_fd)
            self.input_fd = None

    def dump_stacks(self) -> bool:
        """Send the command's ``stack_signal`` to the leader while it lives; False without one."""
        if not self.stack_signal or self._reap(os.WNOHANG) is not None:
            return False  # never signal a pid that may already belong to someone else
        try:
            os.kill(self.pid, self.stack_signal)
        except OSError:
            return False
        return True

    def poll(self) -> int | None:
        """The exit code once the process ended (negative: killed by that signal), else None.

        Each poll also keeps the output log bounded: an fstat, and a cut once it is too big.
        """
        if self.kept is not None:
            self.kept.keep_bounded()
        return self._reap(os.WNOHANG)

    def usage(self) -> ResourceUse | None:
        """CPU seconds and peak memory of the ended process tree (of what ran in the container,
        for a container's client), None while it runs."""
        if self.usage_file is not None:
            return read_usage(self.usage_file) if self._rusage is not None else None
        rusage: Any = self._rusage
        if rusage is None:
            return None
        return ResourceUse(rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss * 1024)

    def _reap(self, flags: int) -> int | None:
        """The exit code once the leader is reaped (by ``wait4``, keeping its rusage)."""
        if self._popen.returncode is not None:
            return self._popen.returncode
        try:
            pid, status, rusage = os.wait4(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere: its usage is lost, not its end
            return self._popen.poll()
        if pid == 0:
            return None
        self._rusage = rusage
        self._popen.returncode = os.waitstatus_to_exitcode(status)
        return self._popen.returncode

    def _wait_reaped(self, timeout: float) -> None:
        """Until the leader is reaped, at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        poller = select.poll()  # not select(): a run may hold more than 1024 descriptors
        if self.exit_fd is not None:
            poller.register(self.exit_fd, select.POLLIN)
        while self._reap(os.WNOHANG) is None and time.monotonic() < deadline:
            if self.exit_fd is not None:
                poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
            else:
                time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL the process group and every later process with this very tag; reap the leader.

        A tagged process with a lower pid (pids wrapped around while the shard ran) is left to
        the sweep of the whole run's tag (``reap``) that the orchestrator makes at its end.
        """
        running = self._reap(os.WNOHANG) is None
        if self.contained and running:
            container.remove(self.tag)  # the client's death would leave it running
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        kill_tagged(lambda tag: tag == self.tag, newer_than=self.pid)
        self._wait_reaped(KILL_WAIT)
        if self.kept is not None:
            self.kept.close()  # the last cut, now that nothing writes
        self.release()
        if self.exit_fd is not None:
            os.close(self.exit_fd)
            self.exit_fd = None

    def output_tail(self) -> str:
        """The last ~4 KB of what the process wrote to stdout and stderr."""
        try:
            with self.log.open("rb") as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - TAIL_BYTES))
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def output(self) -> str:
        """All of what the process wrote that its log kept (its head and tail)."""
        try:
            return self.log.read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return ""


def _exit_fd(pid: int) -> int | None:
    """A pidfd of ``pid`` to wait on, or None where the platform has none."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        return pidfd_open(pid)
    except OSError:
        return None


class LocalExecutor:
    """Starts shard commands as processes on this machine, isolated from orch's own environment.

    ``start`` must be called from a long-lived thread (core uses the main thread): Linux sends the
    parent-death signal when the *thread* that forked the child exits, not the whole process.
    """

    PLUGIN_NAME: ClassVar[str] = "local"

    def __init__(self) -> None:
        self._tags: set[str] = set()
        self._contained: set[str] = set()
        """Tags of this executor's shards, and of those among them run in containers."""

    def start(self, command: Command, scratch: Path, tag: str) -> LocalProcess:
        """Start ``command``: output in ``<scratch>/output.log`` (its head and tail as
        ``command.output`` says, see ``output_log``), TMPDIR ``<scratch>/tmp``, isolated as
        ``command.isolation`` says, no input."""
        return self._start(command, scratch, tag, subprocess.DEVNULL)

    def start_held(self, command: Command, scratch: Path, tag: str) -> LocalProcess:
        """Start ``command`` as ``start`` does, with ``HELD_VAR`` set and its input a pipe
        open until ``release``. Not in a container: ``docker run`` does not pass it in."""
        if command.isolation.mode == "container":
            raise EnvironmentProblem("a container shard cannot be started held")
        command = evolve(command, env={**command.env, HELD_VAR: "1"})
        read_end, write_end = os.pipe()
        try:
            process = self._start(command, scratch, tag, read_end)
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        process.input_fd = write_end
        return process

    def _start(self, command: Command, scratch: Path, tag: str, stdin: int) -> LocalProcess:
        scratch = scratch.absolute()  # the child runs in command.cwd, not here
        tmp = scratch / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        env = child_environment(command.env, tmp, tag, command.passenv)
        argv, env = self._isolated(command, scratch, tag, env)
        output = OutputLog.create(scratch / "output.log", command.output)
        writer = output.writer()
        try:
            popen = subprocess.Popen(
                argv,
                cwd=command.cwd,
                env=env,
                stdin=stdin,
                stdout=writer,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with(os.getpid(), command.isolation.cpus),
            )
        except OSError as error:
            output.close()
            raise EnvironmentProblem(
                f"cannot start {argv[0]!r} in {command.cwd}: {error.strerror}; "
                "check the runner's command and the application's path"
            ) from error
        finally:
            os.close(writer)
        self._tags.add(tag)
        exit_fd = _exit_fd(popen.pid)
        mode = command.isolation.mode
        process = LocalProcess(
            popen.pid, tag, output.path, popen, command.stack_signal, exit_fd, output
        )
        process.contained = mode == "container"
        if mode == "sandbox" or (process.contained and not command.isolation.image):
            process.usage_file = scratch / USAGE_FILE
        return process

    def _isolated(
        self, command: Command, scratch: Path, tag: str, env: dict[str, str]
    ) -> tuple[list[str], dict[str, str]]:
        """The argv and environment that start ``command`` as its isolation says."""
        isolation: Isolation = command.isolation
        if isolation.mode == "sandbox":
            named = [sys.prefix, *sys.path, *container.named_paths(command.argv, env)]
            shown = tmp_roots(named)
            wrapped = [*sandbox_argv(isolation, command.cwd, scratch, shown), *measured(scratch)]
            return [*wrapped, *command.argv], env
        if isolation.mode == "container":
            named = container.named_paths(command.argv, env)
            argv = container.run_argv(isolation, command.cwd, scratch, tag, env, named)
            watch_containers()
            self._contained.add(tag)
            return [*argv, *command.argv], container.client_environment(env)
        return list(command.argv), env

    def wait(self, processes: Sequence[Process], timeout: float) -> None:
        """Block until a leader of ``processes`` ends (its pidfd is readable) or ``timeout``.

        Without pidfds (not Linux, or an old kernel) this is a plain sleep of ``timeout``.
        """
        if not processes:
            return
        fds = [
            process.exit_fd
            for process in processes
            if isinstance(process, LocalProcess) and process.exit_fd is not None
        ]
        if len(fds) < len(processes):
            time.sleep(timeout)
            return
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        poller.poll(timeout * 1000)

    def reap(self, tag: str) -> int:
        """SIGKILL every process whose ORCH_TAG starts with ``tag``; returns how many were killed.

        Used for the orphans of a run whose orchestrator died; pass a prefix that ends with a
        separator (``run-42:``) so that run ``run-4`` does not reap ``run-42``. Shard containers
        so tagged are removed too (unless this executor ran that run's shards and none of them
        in a container: then there is no docker to ask).
        """
        if not tag:
            raise ValueError("reap needs a non-empty tag prefix: '' would kill every shard")
        removed = 0
        ours = any(started.startswith(tag) for started in self._tags)
        if not ours or any(started.startswith(tag) for started in self._contained):
            # first: a container whose processes were killed is being removed by --rm already
            removed = container.remove_labelled(container.TAG_LABEL, lambda t: t.startswith(tag))
        return removed + kill_tagged(lambda found: found.startswith(tag))
