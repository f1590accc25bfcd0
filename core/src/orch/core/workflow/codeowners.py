"""Reading CODEOWNERS files (GitHub's and GitLab's places and limits) into the workflow's
``OwnerRule`` values; a line orch cannot honour is a config error naming file and line, at load
time, not when the first failure is routed."""

from __future__ import annotations

from pathlib import Path

from orch.core.shared.documents import describe, read_user_text
from orch.ports import ConfigError
from orch.ports.triage import OwnerRule

CODEOWNERS_PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024
"""GitHub ignores a CODEOWNERS file larger than this (3 MB); orch refuses it."""
MAX_PATTERN = 4096
"""Characters in one CODEOWNERS pattern (a path is at most 4,096 characters too)."""


def parse_codeowners(text: str, source: str = "CODEOWNERS") -> list[OwnerRule]:
    """The rules of a CODEOWNERS file; a malformed line is a ConfigError naming file and line."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        if line.startswith(("[", "^[")):
            continue  # a GitLab section header
        if len(pattern) > MAX_PATTERN:
            raise ConfigError(
                f"{source}:{number}: a pattern of {len(pattern):,} characters; "
                f"CODEOWNERS patterns have at most {MAX_PATTERN:,}"
            )
        if pattern.startswith("!") or "[" in pattern:
            raise ConfigError(
                f"{source}:{number}: pattern {describe(pattern)} uses syntax CODEOWNERS does not "
                "support (negation with ! or [character ranges]); list the paths explicitly"
            )
        rules.append(OwnerRule(pattern, tuple(owners), number))
    return rules


def read_codeowners(path: Path, source: str) -> list[OwnerRule]:
    """The rules of the CODEOWNERS file at ``path`` (``source`` names it in errors): a file
    that is too large, unreadable or not UTF-8 is a ConfigError naming it."""
    try:
        text = read_user_text(path, source, MAX_CODEOWNERS_BYTES, "CODEOWNERS file")
    except FileNotFoundError:
        raise ConfigError(f"{source}: CODEOWNERS file not found") from None
    return parse_codeowners(text, source)


def load_codeowners(root: Path) -> list[OwnerRule]:
    """The CODEOWNERS rules of the repository at ``root`` (none when it has no such file)."""
    for place in CODEOWNERS_PLACES:
        path = root / place
        if path.is_file():
            return read_codeowners(path, place)
    return []
