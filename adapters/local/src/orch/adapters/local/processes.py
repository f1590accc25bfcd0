"""Find and kill processes by the ``ORCH_TAG`` in their environment, read from Linux ``/proc``.

Every shard process gets ``ORCH_TAG=<tag>``; its children inherit it, even those that left the
process group with ``setsid``, so the tag finds what a process-group kill misses.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

TAG_VAR = "ORCH_TAG"
"""The environment variable that marks every process a shard started."""

_PROC = Path("/proc")
_TAG_PREFIX = TAG_VAR.encode() + b"="


def _tag_of(pid: int) -> str | None:
    """The ORCH_TAG a process was started with, or None (no tag, gone, or not ours to read)."""
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    for entry in environ.split(b"\0"):
        if entry.startswith(_TAG_PREFIX):
            return entry[len(_TAG_PREFIX) :].decode(errors="replace")
    return None


def _parent_of(pid: int) -> int:
    """The parent pid from ``/proc/<pid>/stat`` (0 when unknown); the name may contain ')'."""
    try:
        stat = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return 0
    return int(stat.rsplit(b")", 1)[1].split()[1])


def _self_and_ancestors() -> set[int]:
    """This process and every process above it: never killed, even if they carry a tag."""
    protected = {os.getpid()}
    pid = os.getppid()
    while pid > 0 and pid not in protected:
        protected.add(pid)
        pid = _parent_of(pid)
    return protected


def kill_tagged(matches: Callable[[str], bool], newer_than: int = 0) -> int:
    """SIGKILL every process whose ORCH_TAG ``matches``; returns how many were signalled.

    With ``newer_than``, only processes whose pid is above it are looked at: what a shard
    started has a higher pid than the shard's leader unless pids wrapped around, and reading
    every process's environment after each shard is most of the cost of ending a small one.
    """
    try:
        names = os.listdir(_PROC)
    except OSError:
        return 0
    protected = _self_and_ancestors()
    killed = 0
    for name in names:
        if not name.isdigit() or int(name) <= newer_than or int(name) in protected:
            continue
        tag = _tag_of(int(name))
        if tag is None or not matches(tag):
            continue
        try:
            os.kill(int(name), signal.SIGKILL)
        except OSError:
            continue
        killed += 1
    return killed
