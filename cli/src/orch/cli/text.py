"""Making untrusted test output safe to print: no terminal escape sequences, no control bytes,
no reordering of what a reviewer reads, nothing the terminal's encoding cannot write."""

from __future__ import annotations

import re

from orch.core.untrusted_text import BIDI_CONTROLS, C1_CONTROLS, SURROGATES, escape

_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f{C1_CONTROLS}{BIDI_CONTROLS}{SURROGATES}]")


def safe(text: str) -> str:
    """``text`` with control characters (ESC and the C1 controls included) shown as ``\\xNN``,
    bidirectional controls and lone surrogates as ``\\u202e``, so none of them can act."""
    return _UNSAFE.sub(lambda match: escape(match.group()), text)


def first_line(text: str, width: int = 160) -> str:
    """The first non-empty line of ``text``, made safe and cut to ``width``."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = safe(line.strip())
    return line if len(line) <= width else line[: width - 1] + "…"
