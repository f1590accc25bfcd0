"""Parsing git's NUL-separated (``-z``) path listings into ChangedFile values."""

from __future__ import annotations

import os

from orch.ports import ChangedFile

_STATUSES = {
    "A": "added",
    "C": "added",  # a copy: the new path is new; only seen when the user's config asks for copies
    "D": "deleted",
    "M": "modified",
    "T": "modified",  # type change, e.g. a file became a symbolic link
    "U": "modified",  # unmerged: a conflict being resolved
    "R": "renamed",
}


def parse_name_status(raw: bytes) -> list[ChangedFile]:
    """Read ``git diff --name-status -z``: a status letter (``R`` with a score), then one path,
    or the old and the new path for renames and copies."""
    fields = [os.fsdecode(f) for f in raw.split(b"\0")[:-1]]
    changes = []
    i = 0
    while i < len(fields):
        letter = fields[i][0]
        status = _STATUSES.get(letter, "modified")
        if letter in "RC":
            old, new = fields[i + 1], fields[i + 2]
            i += 3
            old_path = old if letter == "R" else None
            changes.append(ChangedFile(path=new, status=status, old_path=old_path))
        else:
            changes.append(ChangedFile(path=fields[i + 1], status=status))
            i += 2
    return changes


def parse_untracked(raw: bytes) -> list[ChangedFile]:
    """Read ``git ls-files --others -z``; an entry ending in ``/`` is a nested repository, whose
    files are not this repository's, so it is left out."""
    paths = (os.fsdecode(p) for p in raw.split(b"\0")[:-1])
    return [ChangedFile(path=p, status="untracked") for p in paths if not p.endswith("/")]
