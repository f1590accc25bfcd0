"""Text a test produced is untrusted: which characters act instead of showing, and how they show.

Three kinds. Lone surrogates (``raise Exception("\\udcff")``, or a ``\\udcff`` escape in JSON)
cannot be encoded as UTF-8, so any writer meeting one fails. C0 and C1 control characters act on
a terminal (ESC and U+009B start escape sequences). Bidirectional controls reorder what a reader
sees (U+202E shows ``gnp.exe`` as ``exe.png``). Every place orch shows or writes such text uses
the definitions here, so the terminal, the JSON report and the JUnit XML agree.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

SURROGATES = "\ud800-\udfff"
"""Lone surrogates: code points a str can hold but UTF-8 cannot encode."""

C1_CONTROLS = "\x80-\x9f"
"""The C1 control characters (U+0080 to U+009F; U+009B alone starts a terminal escape sequence)."""

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Characters that change the order text is shown in: marks, embeddings, overrides, isolates."""


@functools.cache
def character_class(characters: str) -> re.Pattern[str]:
    """``[characters]``, compiled when first needed: with the surrogate range in it
    ``re`` builds a 64 K bitmap (about 5 ms each), which a run whose text is all ASCII (or all
    printable) never needs."""
    return re.compile(f"[{characters}]")


_JSON_UNSAFE = f"{SURROGATES}{C1_CONTROLS}{BIDI_CONTROLS}"


def escape(char: str) -> str:
    """How one character that must not act is shown: ``\\x1b`` below U+0100, else ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_UNSAFE = f"\\x00-\\x08\\x0b-\\x1f\\x7f{C1_CONTROLS}{BIDI_CONTROLS}{SURROGATES}"
"""Every one of them is unprintable (``str.isprintable``): printable text holds none."""


def safe(text: str) -> str:
    """``text`` with control characters (ESC and the C1 controls included) shown as ``\\xNN``,
    bidirectional controls and lone surrogates as ``\\u202e``, so none of them can act where it
    is shown: a terminal, an issue on a tracker."""
    if text.isprintable():
        return text
    return character_class(_UNSAFE).sub(lambda match: escape(match.group()), text)


def valid_text(text: str) -> str:
    """``text`` with each lone surrogate shown as the six characters ``\\udcff``.

    The result can be encoded by every writer (UTF-8 files, SQLite, XML, a terminal) and still
    says what the test produced.
    """
    if text.isascii():
        return text
    return character_class(SURROGATES).sub(lambda match: escape(match.group()), text)


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "\\" + escape(char)  # the text \udcff: a JSON \udcff escape is no character
    return f"\\u{ord(char):04x}"  # a JSON escape: the same character, not raw in the file


def escape_json(text: str) -> str:
    """JSON text as ``json.dumps(..., ensure_ascii=False)`` writes it, with no raw C1 or
    bidirectional control in it (written as JSON escapes, ``\\u202e``: readers get the same
    string) and each lone surrogate as the text ``\\udcff``, so it can be encoded as UTF-8.

    Outside strings JSON text is ASCII, so each replacement lands inside a string.
    """
    if text.isascii():
        return text
    return character_class(_JSON_UNSAFE).sub(_json_escape, text)


def json_text(data: Any) -> str:
    """``data`` as indented JSON that keeps readable text readable and is safe to show and encode
    (see ``escape_json``).

    Indented to the level of a report's test list: each test is one line, written by the JSON
    encoder in C (``json.dumps`` with ``indent`` runs in Python, ten times slower; a report of
    10,000 tests took most of a second).
    """
    return escape_json(_layout(data, 0))


_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
"""One encoder for every value (``json.dumps`` with options makes a new one each call); NaN and
infinity are refused: JSON has no such numbers, and readers reject a bare ``Infinity``."""


def _layout(value: Any, depth: int) -> str:
    """Mappings and lists on one line an entry down to depth 2 (lists also at 2), then compact."""
    opened = (depth < 2 or (depth == 2 and isinstance(value, list))) and value
    if not opened or not isinstance(value, dict | list):
        return _COMPACT(value)
    pad, end = "  " * (depth + 1), "  " * depth
    if isinstance(value, dict):
        entries = [
            f"{pad}{json.dumps(key)}: {_layout(item, depth + 1)}" for key, item in value.items()
        ]
        return "{\n" + ",\n".join(entries) + "\n" + end + "}"
    return "[\n" + ",\n".join(pad + _layout(item, depth + 1) for item in value) + "\n" + end + "]"
