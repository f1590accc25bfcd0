"""Making untrusted test output safe to print: no terminal escape sequences, no control bytes,
no reordering of what a reviewer reads, nothing the terminal's encoding cannot write."""

from __future__ import annotations

from orch.core.shared.untrusted_text import safe

__all__ = ["first_line", "safe"]


def first_line(text: str, width: int = 160) -> str:
    """The first non-empty line of ``text``, made safe and cut to ``width``."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = safe(line.strip())
    return line if len(line) <= width else line[: width - 1] + "…"
