"""Find and kill processes by the ``ORCH_TAG`` in their environment, read from Linux ``/proc``.

Every shard process gets ``ORCH_TAG=<tag>``; its children inherit it, even those that left the
process group with ``setsid``, so the tag finds what a process-group kill misses. A process may
overwrite its environment's memory (PostgreSQL's backends write their title there), so
``tagged_tree`` adds the descendants of every tagged process, and ``usage`` sums a tree's CPU
time and memory.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path

from orch.ports import Usage

TAG_VAR = "ORCH_TAG"
"""The environment variable that marks every process a shard started."""

_PROC = Path("/proc")


def variable_of(pid: int, name: str) -> str | None:
    """The value of ``name`` in the environment a process was started with, or None (not set,
    gone, or not ours to read)."""
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    start = name.encode() + b"="
    for entry in environ.split(b"\0"):
        if entry.startswith(start):
            return entry[len(start) :].decode(errors="replace")
    return None


def _tag_of(pid: int) -> str | None:
    return variable_of(pid, TAG_VAR)


def _stat_of(pid: int) -> list[bytes]:
    """The fields of ``/proc/<pid>/stat`` after the name (which may contain ')'): state first;
    empty when the process is gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return []
    return stat.rsplit(b")", 1)[1].split()


def _parent_of(pid: int) -> int:
    """The parent pid (0 when unknown)."""
    fields = _stat_of(pid)
    return int(fields[1]) if fields else 0


def alive(pid: int) -> bool:
    """Whether ``pid`` runs: neither gone nor a zombie waiting to be reaped."""
    fields = _stat_of(pid)
    return bool(fields) and fields[0] != b"Z"


def _self_and_ancestors() -> set[int]:
    """This process and every process above it: never killed, even if they carry a tag."""
    protected = {os.getpid()}
    pid = os.getppid()
    while pid > 0 and pid not in protected:
        protected.add(pid)
        pid = _parent_of(pid)
    return protected


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir(_PROC) if name.isdigit()]
    except OSError:
        return []


def tagged_tree(matches: Callable[[str], bool], roots: Iterable[int] = ()) -> dict[int, str]:
    """Every process whose ORCH_TAG ``matches``, each of ``roots`` that lives, and all their
    descendants, each with the tag that brought it in (a descendant: its ancestor's); never
    this process or its ancestors."""
    protected = _self_and_ancestors()
    children: dict[int, list[int]] = {}
    found: dict[int, str] = {}
    for pid in _pids():
        children.setdefault(_parent_of(pid), []).append(pid)
        tag = _tag_of(pid)
        if tag is not None and matches(tag):
            found[pid] = tag
    found.update((pid, "") for pid in roots if alive(pid) and pid not in found)
    pending = list(found)
    while pending:
        parent = pending.pop()
        for child in children.get(parent, ()):
            if child not in found:
                found[child] = found[parent]
                pending.append(child)
    return {pid: tag for pid, tag in found.items() if pid not in protected}


def usage(pids: Iterable[int]) -> Usage:
    """The CPU seconds (user and system), resident memory now and peak resident memory of
    ``pids`` together (the peaks summed: they need not have been at once); a process gone
    meanwhile counts nothing."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = 0
    memory = peak = 0
    for pid in pids:
        fields = _stat_of(pid)
        if not fields:
            continue
        cpu += int(fields[11]) + int(fields[12])
        now, highest = _memory_of(pid)
        memory += now
        peak += highest
    return Usage(cpu_seconds=cpu / ticks, memory=memory, peak_memory=peak)


def _memory_of(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM of ``/proc/<pid>/status`` in bytes; 0 for a zombie or one gone."""
    try:
        lines = (_PROC / str(pid) / "status").read_text().splitlines()
    except OSError:
        return 0, 0
    sizes = dict(line.split(":", 1) for line in lines if line.startswith(("VmHWM", "VmRSS")))
    now, peak = (int(sizes.get(key, "0 kB").split()[0]) * 1024 for key in ("VmRSS", "VmHWM"))
    return now, max(now, peak)


def kill_tagged(matches: Callable[[str], bool], newer_than: int = 0) -> int:
    """SIGKILL every process whose ORCH_TAG ``matches``; returns how many were signalled.

    With ``newer_than``, only processes whose pid is above it are looked at: what a shard
    started has a higher pid than the shard's leader unless pids wrapped around, and reading
    every process's environment after each shard is most of the cost of ending a small one.
    """
    protected = _self_and_ancestors()
    killed = 0
    for pid in _pids():
        if pid <= newer_than or pid in protected:
            continue
        tag = _tag_of(pid)
        if tag is None or not matches(tag):
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        killed += 1
    return killed
