"""Turning git's listings into ChangedFile values: the raw diff with its patch, untracked files."""

from __future__ import annotations

import os
from pathlib import Path

from attrs import evolve

from orch.adapters.git.patch import Ranges, parse_patch
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

_GITLINK = b"160000"
"""The mode of a submodule: its "content" is a commit, so it has no lines."""

_BINARY_SNIFF = 8000
"""git calls a file binary when a NUL byte is among its first this many bytes."""


def parse_diff(raw: bytes) -> list[ChangedFile]:
    """Read ``git diff -z --raw --patch -U0``: the raw listing of statuses and paths, then the
    patch, whose hunk headers give each file's changed lines (a submodule has none)."""
    listed, patch = _raw_listing(raw)
    hunks = parse_patch(patch)
    none: tuple[Ranges, Ranges] = ((), ())
    changes = []
    for change, submodule in listed:
        new, old = none if submodule else hunks.get(change.path, none)
        changes.append(evolve(change, hunks=new, old_hunks=old))
    return changes


def _raw_listing(raw: bytes) -> tuple[list[tuple[ChangedFile, bool]], bytes]:
    """The files of the raw listing (each with whether it is a submodule) and the patch after it.

    Each file is a ``:<old mode> <new mode> <old sha> <new sha> <status>`` field and one path, or
    the old and the new path of a rename or copy, all NUL-terminated; an empty field ends them.
    """
    listed = []
    pos = 0
    while pos < len(raw):
        fields, pos = _fields(raw, pos, 1)
        if not fields[0]:
            break
        old_mode, new_mode, *_, status = fields[0].removeprefix(b":").split(b" ")
        letter = chr(status[0])
        paths, pos = _fields(raw, pos, 2 if letter in "RC" else 1)
        old_path = os.fsdecode(paths[0]) if letter == "R" else None
        change = ChangedFile(os.fsdecode(paths[-1]), _STATUSES.get(letter, "modified"), old_path)
        listed.append((change, _GITLINK in (old_mode, new_mode)))
    return listed, raw[pos:]


def _fields(raw: bytes, pos: int, count: int) -> tuple[list[bytes], int]:
    """``count`` NUL-terminated fields of ``raw`` from ``pos``, and the position after them."""
    fields = []
    for _ in range(count):
        end = raw.index(b"\0", pos)
        fields.append(raw[pos:end])
        pos = end + 1
    return fields, pos


def parse_untracked(raw: bytes, top: Path) -> list[ChangedFile]:
    """Read ``git ls-files --others -z --full-name``; every line of a file is new. An entry ending
    in ``/`` is a nested repository, whose files are not this repository's, so it is left out."""
    paths = (os.fsdecode(p) for p in raw.split(b"\0")[:-1])
    return [
        ChangedFile(p, "untracked", hunks=_whole_file(top / p))
        for p in paths
        if not p.endswith("/")
    ]


def _whole_file(file: Path) -> Ranges:
    """(1, number of lines) of a text file as git counts them; nothing for an empty or binary
    file, or one deleted since git listed it."""
    if file.is_symlink():
        return ((1, 1),)  # git stores a symbolic link as its target: one line
    lines = 0
    last = b"\n"
    try:
        with file.open("rb") as stream:
            chunk = stream.read(_BINARY_SNIFF)
            if b"\0" in chunk:
                return ()
            while chunk:
                lines += chunk.count(b"\n")
                last = chunk[-1:]
                chunk = stream.read(1 << 20)
    except FileNotFoundError:
        return ()
    if last != b"\n":  # a last line without its newline
        lines += 1
    return ((1, lines),) if lines else ()
