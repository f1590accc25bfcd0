"""Reading the changed line ranges out of a zero-context patch (``git diff -U0``).

Only the ``---``/``+++`` file names and the ``@@`` hunk headers matter; the changed lines themselves
are skipped by count, so no content can be mistaken for a header.
"""

from __future__ import annotations

import os
import re

Ranges = tuple[tuple[int, int], ...]
"""1-based inclusive (start, end) line ranges, as ``ChangedFile.hunks`` holds them."""

_HUNK = re.compile(rb"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")

# The escapes of git's C-style quoting of unusual file names (besides three octal digits).
_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


def parse_patch(patch: bytes) -> dict[str, tuple[Ranges, Ranges]]:
    """The (new, old) line ranges of every file with hunks in ``patch``, by path.

    A file's path is its new name, or its old name when it was deleted (a type change, e.g. a
    file becoming a symbolic link, is a deletion and a creation of the same path, merged here).
    """
    found: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    lines = patch.split(b"\n")
    old: str | None = None
    new: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith(b"--- "):
            old = _file_name(line[4:], b"a/")
        elif line.startswith(b"+++ "):
            new = _file_name(line[4:], b"b/")
        elif match := _HUNK.match(line):
            old_start, old_count, new_start, new_count = (
                int(n) if n is not None else 1 for n in match.groups()
            )
            path = new if new is not None else old
            assert path is not None, "git wrote a hunk before the file names"
            new_ranges, old_ranges = found.setdefault(path, ([], []))
            if new is not None:
                new_ranges.append(_span(new_start, new_count))
            if old is not None:
                old_ranges.append(_span(old_start, old_count))
            i = _skip_changed_lines(lines, i, old_count + new_count)
    return {path: (tuple(new), tuple(old)) for path, (new, old) in found.items()}


def _span(start: int, count: int) -> tuple[int, int]:
    """A hunk side as a range; an empty side (``start`` is the line before it) points at that
    line, and at line 1 when it is before the first line."""
    if count == 0:
        return (max(start, 1), max(start, 1))
    return (start, start + count - 1)


def _skip_changed_lines(lines: list[bytes], i: int, count: int) -> int:
    """The index after ``count`` removed and added lines from ``i`` (``\\ No newline at end of
    file`` markers between them are not lines)."""
    while count and i < len(lines):
        if not lines[i].startswith(b"\\"):
            count -= 1
        i += 1
    return i


def _file_name(name: bytes, prefix: bytes) -> str | None:
    """The path a ``---``/``+++`` line names, or None for ``/dev/null``.

    git ends the name with a tab when it contains a space, and quotes it C-style when it contains
    a control character, ``"`` or ``\\``.
    """
    name = name.removesuffix(b"\t")
    if name == b"/dev/null":
        return None
    if name.startswith(b'"'):
        name = _unquote(name)
    return os.fsdecode(name.removeprefix(prefix))


def _unquote(quoted: bytes) -> bytes:
    """The bytes of a C-style quoted name such as ``"b/tab\\there.txt"``."""
    text = quoted[1:-1]
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i : i + 1] != b"\\":
            out.append(text[i])
            i += 1
        elif text[i + 1 : i + 2].isdigit():
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(_ESCAPES[text[i + 1 : i + 2]])
            i += 2
    return bytes(out)
