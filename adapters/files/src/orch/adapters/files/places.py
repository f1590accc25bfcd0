"""Names and copies of what the file sinks make: every place is ``orch_<owner>_<dataset>``
(copies ``...@<copy>``), so a later orch finds what a dead owner left; a file is copied by a
reflink where the file system has them (copy-on-write: as cheap as a hard link, but a copy
changed by a test does not change the loaded file, as a hard link would) or else copied whole."""

from __future__ import annotations

import fcntl
import re
import secrets
import shutil
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)


def safe(text: str) -> str:
    """``text`` with what a file name should not hold (``@``, ``/``, spaces) replaced by ``-``."""
    return _UNSAFE.sub("-", text) or "-"


def place_name(owner: str, dataset: str) -> str:
    """The name of what a sink makes for ``owner``'s load of ``dataset``."""
    return f"orch_{safe(owner)}_{safe(dataset)}"


def copy_name(place: str, copy: str) -> str:
    """The name of copy ``copy`` of the place named ``place``."""
    return f"{place}@{safe(copy)}"


def temporary(final: Path) -> Path:
    """A fresh name beside ``final`` to build it under before it is renamed to ``final``."""
    return final.with_name(f".{final.name}.tmp-{secrets.token_hex(4)}")


def clone(source: Path, target: Path) -> None:
    """Copy the file ``source`` to ``target``: a reflink where the file system can, else a copy."""
    with source.open("rb") as src, target.open("wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            return
        except OSError:
            pass
    shutil.copyfile(source, target)
