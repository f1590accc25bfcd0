"""Reads the thread stacks faulthandler wrote for a shard and finds the test's own frame in them.

faulthandler prints each thread as ``Current thread 0x... (most recent call first):`` or
``Thread 0x...`` followed by ``  File "path", line N in function`` lines, innermost first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from attrs import define, field

STACKS_FILE = "stacks.txt"
"""The file in a shard's scratch directory that the event plugin points faulthandler at."""

_FRAME = re.compile(r'\s*File "(?P<path>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)')
_OUTSIDE = ("site-packages", "dist-packages", f"{os.sep}.venv{os.sep}")


@define
class Stacks:
    """A faulthandler dump: lines before the threads (``Fatal Python error: ...``), the other
    threads, and the thread that crashed or took the signal, each as its header and frames."""

    preamble: list[str] = field(factory=list)
    others: list[list[str]] = field(factory=list)
    current: list[str] = field(factory=list)

    @classmethod
    def parse(cls, text: str) -> Stacks:
        stacks = cls()
        block: list[str] | None = None
        for line in text.splitlines():
            if line.startswith("Current thread"):
                if stacks.current:
                    stacks.others.append(stacks.current)
                block = stacks.current = [line]
            elif line.startswith("Thread "):
                block = [line]
                stacks.others.append(block)
            elif block is not None and _FRAME.match(line):
                block.append(line)
            elif line.strip() and not line.startswith("Extension modules:"):
                stacks.preamble.append(line)
        return stacks

    def as_traceback(self) -> str:
        """The dump in a Python traceback's order: most recent call last, the current thread
        last, so the end of it (what a summary shows) is where the test was."""
        parts = ["\n".join(self.preamble)] if self.preamble else []
        for thread in (*self.others, self.current):
            if thread:
                header = thread[0].replace("most recent call first", "most recent call last")
                parts.append("\n".join([header, *reversed(thread[1:])]))
        return "\n\n".join(parts)

    def test_frame(self, app_root: Path) -> str:
        """``tests/test_x.py:7 in test_x``: the innermost frame in the app's own files, in the
        current thread first; '' when there is none."""
        root = str(app_root.resolve())
        for line in (*self.current, *(line for thread in self.others for line in thread)):
            frame = _FRAME.match(line)
            if frame is None:
                continue
            path = frame["path"]
            if not path.startswith(root + os.sep) or any(part in path for part in _OUTSIDE):
                continue
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            return f"{relative}:{frame['line']} in {frame['function']}"
        return ""


def read_stacks(scratch: Path) -> Stacks | None:
    """What faulthandler wrote for this shard, or None when it wrote nothing."""
    try:
        text = (scratch / STACKS_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    return Stacks.parse(text) if text.strip() else None
