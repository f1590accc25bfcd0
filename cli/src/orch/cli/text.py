"""Making untrusted test output safe to print: no terminal escape sequences, no control bytes."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """``text`` with control characters (ESC included) shown as ``\\xNN`` so they cannot act."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def first_line(text: str, width: int = 160) -> str:
    """The first non-empty line of ``text``, made safe and cut to ``width``."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = safe(line.strip())
    return line if len(line) <= width else line[: width - 1] + "…"
