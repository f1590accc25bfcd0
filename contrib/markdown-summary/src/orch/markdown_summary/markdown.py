"""Untrusted text made inert in Markdown: what a test prints is shown, never interpreted.

GitHub renders a step summary as GitHub-flavoured Markdown with some HTML: a test message could
otherwise open a code span, split a table cell, link, mention someone or inject a tag. Every
ASCII punctuation character is backslash-escaped (CommonMark allows it for all of them), ``&``,
``<`` and ``>`` become entities, and control and bidirectional characters are shown as ``\\xNN``
or ``\\uNNNN``, so nothing is hidden or reordered on the page.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PUNCTUATION = re.escape("".join(c for c in string.punctuation if c not in _ENTITIES))
_SPECIAL = re.compile(
    f"[{_PUNCTUATION}]|[&<>]|[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ENTITIES:
        return _ENTITIES[char]
    if char in string.punctuation:
        return "\\" + char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, limit: int = 200) -> str:
    """``text``'s first line, at most ``limit`` characters, safe in a table cell or a line."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return _SPECIAL.sub(_shown, line)


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """A Markdown table; the cells are already made inert (or are our own text)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
