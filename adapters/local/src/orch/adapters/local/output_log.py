"""A shard's ``output.log`` that keeps its head and its latest tail, however much the shard prints.

The child writes the file itself (no pipe through orch, so printing costs it nothing extra),
opened with ``O_APPEND``: each write lands at the end of the file wherever that is. The
orchestrator looks at the file's size on each poll (one ``fstat``) and, once it is over
``head + 2 × tail`` bytes, cuts the middle out in place: it copies the last ``tail`` bytes after
the first ``head`` bytes, behind a line saying how many bytes were cut, and truncates the rest.
What the child writes meanwhile goes on at the new end. The only bytes that can be lost are those
written in the microseconds between the last size check and the truncation, and never at the end
of a process: the final cut is made once its processes are dead.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from attrs import define

from orch.ports import OutputLimits

BYTES_PER_CHARACTER = 4
"""UTF-8 takes up to 4 bytes a character: the log keeps at least the characters the limits keep."""

LEAST_KEPT = 4096
"""Bytes kept of each end whatever the limits say: the crash diagnostics read the last 4 KB."""

MARKER_ROOM = 256
"""Bytes over ``head + 2 × tail`` the file may reach before it is cut: room for the marker line."""

ATTEMPTS = 3
"""Cuts tried in a row while the file keeps growing under the copy; the next poll tries again."""


def cut_marker(count: int) -> bytes:
    """The line that stands in the log where ``count`` bytes were cut out."""
    return f"\n… {count:,} bytes of output cut by orch …\n".encode()


@define
class OutputLog:
    """The log file of one process and how much of it is kept (see the module's docstring)."""

    path: Path
    head: int
    tail: int
    _fd: int | None = None
    cut: int = 0
    """Bytes cut out so far."""
    _marker: int = 0
    """Length of the marker now in the file (0: nothing was cut yet)."""

    @classmethod
    def create(cls, path: Path, limits: OutputLimits) -> OutputLog:
        """An empty log at ``path`` keeping the bytes of ``limits``' head and tail characters."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        head = max(limits.head * BYTES_PER_CHARACTER, LEAST_KEPT)
        tail = max(limits.tail * BYTES_PER_CHARACTER, LEAST_KEPT)
        return cls(path, head, tail, fd)

    @property
    def bound(self) -> int:
        """The size beyond which the file is cut at the next look."""
        return self.head + 2 * self.tail + MARKER_ROOM

    def writer(self) -> int:
        """A new descriptor of the file for the child's stdout and stderr: write-only, appending."""
        return os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def keep_bounded(self) -> None:
        """Cut the middle out of the file when it is over ``bound`` (one fstat when it is not).

        A cut that fails (a full disk) leaves the file as it is: the log is a diagnostic, never
        a reason to stop the run.
        """
        fd = self._fd
        if fd is None:
            return
        with contextlib.suppress(OSError):
            size = os.fstat(fd).st_size
            for _ in range(ATTEMPTS):
                if size <= self.bound:
                    return
                size = self._cut(fd, size)

    def close(self) -> None:
        """Make the last cut (call it once nothing writes any more) and let the file go."""
        if self._fd is None:
            return
        self.keep_bounded()
        os.close(self._fd)
        self._fd = None

    def _cut(self, fd: int, size: int) -> int:
        """Keep head, marker and the last ``tail`` of ``size`` bytes; the size found afterwards.

        The copy lands below ``size`` (the file is over ``bound``), where the child never writes;
        when the file grew during the copy it is not truncated (that would drop the new bytes)
        and the size it has now is returned for another try.
        """
        tail = os.pread(fd, self.tail, size - self.tail)
        cut = self.cut + size - self.head - self._marker - len(tail)
        marker = cut_marker(cut)
        os.pwrite(fd, marker + tail, self.head)
        now = os.fstat(fd).st_size
        if now != size:
            return now
        os.ftruncate(fd, self.head + len(marker) + len(tail))
        self.cut, self._marker = cut, len(marker)
        return self.head + len(marker) + len(tail)
