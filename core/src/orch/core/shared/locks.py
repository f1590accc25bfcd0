"""Lock files held for as long as an orchestrator lives: a run's, an environment's.

The kernel drops an ``flock`` when its process dies, however it dies, so "can I take the lock?"
answers "is that orchestrator gone?" without trusting pids that may have been reused.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path


class FileLock:
    """An ``flock`` on the file ``path`` (made, with its folder, when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, wait: bool = True) -> bool:
        """Take the lock; with ``wait=False`` return False at once if another process holds it.

        In a state directory orch cannot write (a read-only mount) an existing lock file is
        locked through a read-only descriptor, and a missing one means nobody holds it.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            if error.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise
            try:
                fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class RunLock(FileLock):
    """The lock of one run, at ``<state>/runs/<run id>/lock``."""

    def __init__(self, state_dir: Path, run_id: str) -> None:
        super().__init__(state_dir / "runs" / run_id / "lock")
