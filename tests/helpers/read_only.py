"""Run a program with a directory it cannot write, even as root (whom ``chmod a-w`` never stops).

As root the directory is bind-mounted read-only in a mount namespace of its own: with bubblewrap
when installed, else util-linux's ``unshare``. Any other user gets ``chmod -R a-w`` instead.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount_prefixes(directory: str) -> list[list[str]]:
    prefixes = []
    if shutil.which("bwrap"):
        prefixes.append(["bwrap", "--dev-bind", "/", "/", "--ro-bind", directory, directory])
    if shutil.which("unshare"):
        remount = 'mount --bind -o ro "$0" "$0" && exec "$@"'
        prefixes.append(["unshare", "-m", "--", "sh", "-c", remount, directory])
    return prefixes


def _working_prefix_index(probe: str) -> int | None:
    """Which of the mount prefixes works on this machine, tried on a scratch directory."""
    for index, prefix in enumerate(_mount_prefixes(probe)):
        done = subprocess.run(
            [*prefix, "sh", "-c", f"! touch {probe}/x 2>/dev/null"], capture_output=True
        )
        if done.returncode == 0:
            return index
    return None


@contextmanager
def read_only(directory: Path, scratch: Path) -> Iterator[list[str]]:
    """Make ``directory`` read-only for the commands run with the yielded prefix.

    ``scratch`` is an empty directory to try the mount on; the test is skipped when this
    machine can make nothing read-only for root.
    """
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [directory, *directory.rglob("*")]}
        for path, mode in modes.items():
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield []
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    scratch.mkdir(parents=True, exist_ok=True)
    index = _working_prefix_index(str(scratch))
    if index is None:
        pytest.skip("neither bwrap nor unshare can mount a directory read-only here")
    yield _mount_prefixes(str(directory))[index]
