"""Reads the thread stacks faulthandler wrote for a shard and finds the test's own frame in them.

faulthandler prints each thread as ``Current thread 0x... (most recent call first):`` or
``Thread 0x...`` followed by ``  File "path", line N in function`` lines, innermost first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

STACKS_FILE = "stacks.txt"
"""The file in a shard's scratch directory that the event plugin points faulthandler at."""

_FRAME = re.compile(r'\s*File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)')
_OUTSIDE = ("site-packages", "dist-packages", f"{os.sep}.venv{os.sep}")


def read_stacks(scratch: Path) -> str:
    """What faulthandler wrote for this shard ('' when nothing)."""
    try:
        return (scratch / STACKS_FILE).read_text(encoding="utf-8", errors="replace").strip()
    except FileNotFoundError:
        return ""


def test_frame(stacks: str, app_root: Path) -> str:
    """``tests/test_x.py:7 in test_x``: the innermost frame in the app's own files, preferring the
    thread that was current (the one that crashed or took the signal); '' when there is none."""
    current: list[str] = []
    others: list[str] = []
    block = others
    for line in stacks.splitlines():
        if line.startswith("Current thread"):
            block = current
        elif line.startswith("Thread "):
            block = others
        block.append(line)
    root = str(app_root.resolve())
    for line in (*current, *others):
        frame = _FRAME.match(line)
        if frame is None:
            continue
        path = frame["path"]
        if not path.startswith(root + os.sep) or any(part in path for part in _OUTSIDE):
            continue
        relative = os.path.relpath(path, root).replace(os.sep, "/")
        return f"{relative}:{frame['line']} in {frame['function']}"
    return ""
