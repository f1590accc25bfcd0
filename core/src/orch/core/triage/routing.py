"""Who owns a failure: category routing first, then CODEOWNERS by path, then a fallback owner.

CODEOWNERS follows GitHub's rules: the last matching line wins; a pattern with a slash at the
start or in the middle is anchored at the repository root, one without matches at any depth; a
trailing slash means everything below that directory; ``*`` stays within a path segment and
``**`` crosses segments; ``docs/*`` is the files directly in docs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from attrs import evolve, frozen

from orch.core.shared.documents import describe, read_user_text
from orch.core.shared.globs import PathGlob
from orch.ports import ConfigError, Failure

CODEOWNERS_PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024
"""GitHub ignores a CODEOWNERS file larger than this (3 MB); orch refuses it."""
MAX_PATTERN = 4096
"""Characters in one CODEOWNERS pattern (a path is at most 4,096 characters too)."""


@frozen
class OwnerRule:
    """One CODEOWNERS line: a path pattern and its owners (line number kept for messages)."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    glob: PathGlob


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
        rules.append(OwnerRule(pattern, tuple(owners), number, _compile(pattern)))
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


def owners_of(path: str, rules: Iterable[OwnerRule]) -> tuple[str, ...]:
    """The owners of ``path`` (repository-relative): the last matching rule's, or none."""
    found: tuple[str, ...] = ()
    for rule in rules:
        if rule.glob.search(path):
            found = rule.owners
    return found


@frozen
class Routing:
    """How failures are assigned: ``categories`` maps a category to a team (the workflow's
    ``routing:``), ``owners`` are CODEOWNERS rules, ``fallback`` gets everything else."""

    categories: Mapping[str, str] = {}
    owners: tuple[OwnerRule, ...] = ()
    fallback: str = ""

    def assign(self, failure: Failure, paths: Iterable[str] = ()) -> Failure:
        """``failure`` with ``assigned_to`` set; ``paths`` are repository-relative files to look
        up in CODEOWNERS, most specific first (the deepest frame in the app's code, the test)."""
        team = self.categories.get(failure.category)
        if team:
            return evolve(failure, assigned_to=team)
        for path in paths:
            owners = owners_of(path, self.owners)
            if owners:
                return evolve(failure, assigned_to=" ".join(owners))
        return evolve(failure, assigned_to=self.fallback)


def _compile(pattern: str) -> PathGlob:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    if pattern.endswith("/"):
        end = "directory"
    elif any(c in body.rsplit("/", 1)[-1] for c in "*?"):
        end = "file"  # `docs/*` is the files in docs, not those in its subdirectories
    else:
        end = "either"  # a plain name is a file, or a directory and everything below it
    return PathGlob(body, anchored, end)
