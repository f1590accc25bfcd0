"""``isolation: sandbox``: a shard in a bubblewrap sandbox, built as the argv put before its own.

The sandbox has its own pid, IPC, UTS and mount namespaces (pid 1 is bwrap's, the shard sees
no other process of the machine) and, unless the network is allowed, its own network namespace
(no interface but a down loopback: not even the machine's 127.0.0.1). The root is the machine's,
read only, with a fresh ``/dev`` and ``/proc`` and an empty private ``/tmp``; what stays
writable is the shard's scratch (its TMPDIR, output and result files) and the paths the
isolation names (the application's directory, where pytest keeps its cache, unless read only).
Hardened: every capability dropped, no network. bwrap always sets no_new_privs, so nothing in
the sandbox gains privileges through a set-uid program.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from orch.ports import EnvironmentProblem, Isolation

BWRAP = "bwrap"


def bwrap_program() -> str:
    """The path of bwrap, or an EnvironmentProblem saying to install it."""
    found = shutil.which(BWRAP)
    if found is None:
        raise EnvironmentProblem(
            "isolation 'sandbox' needs bubblewrap: install it (Debian/Ubuntu: apt-get install "
            "bubblewrap; Fedora: dnf install bubblewrap) or set the application's isolation "
            "to none"
        )
    return found


def tmp_roots(paths: Iterable[str]) -> tuple[Path, ...]:
    """The folders right under ``/tmp`` on the way to the absolute ``paths`` that exist: what
    the private ``/tmp`` must show again, read only, so that a command, orch's interpreter or
    the runner's plugin living there (a checkout in ``/tmp/ci``) is still found."""
    found = set()
    for path in paths:
        parts = Path(path).parts
        if len(parts) > 2 and parts[:2] == ("/", "tmp") and Path("/tmp", parts[2]).exists():
            found.add(Path("/tmp", parts[2]))
    return tuple(sorted(found))


def sandbox_argv(
    isolation: Isolation, cwd: Path, scratch: Path, shown: Sequence[Path] = ()
) -> list[str]:
    """bwrap and its options for ``isolation``, run in ``cwd``, writing into ``scratch``,
    ``shown`` read only over the private ``/tmp``; the shard's own argv follows."""
    argv = [bwrap_program(), "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    if not isolation.network or isolation.hardened:
        argv.append("--unshare-net")
    argv += ["--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    argv += ["--tmpfs", "/tmp"]
    for path, writable in binds(isolation, scratch, shown):
        argv += ["--bind" if writable else "--ro-bind", str(path), str(path)]
    if isolation.hardened:
        argv += ["--cap-drop", "ALL"]
    return [*argv, "--chdir", str(cwd), "--"]


def binds(
    isolation: Isolation, scratch: Path, shown: Sequence[Path] = ()
) -> list[tuple[Path, bool]]:
    """The paths mounted again over the read-only root: (path, writable), a parent before what
    is under it and, for the same path, read-only before writable, so the last one counts.

    Read-only binds matter under ``/tmp`` (the private one would hide them), writable ones
    everywhere."""
    writable = () if isolation.read_only else isolation.writable
    wanted = [(path, False) for path in (*isolation.visible, *shown)]
    wanted += [(path, True) for path in writable]
    wanted.append((scratch, True))
    unique = {(path.absolute(), rw) for path, rw in wanted}
    return sorted(unique, key=lambda bind: (len(bind[0].parts), bind[0], bind[1]))
