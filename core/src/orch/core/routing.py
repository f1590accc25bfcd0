"""Who owns a failure: category routing first, then CODEOWNERS by path, then a fallback owner.

CODEOWNERS follows GitHub's rules: the last matching line wins; a pattern with a slash at the
start or in the middle is anchored at the repository root, one without matches at any depth; a
trailing slash means everything below that directory; ``*`` stays within a path segment and
``**`` crosses segments; ``docs/*`` is the files directly in docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from attrs import evolve, frozen

from orch.ports import ConfigError, Failure

CODEOWNERS_PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")


@frozen
class OwnerRule:
    """One CODEOWNERS line: a path pattern and its owners (line number kept for messages)."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str]


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
        if pattern.startswith("!") or "[" in pattern:
            raise ConfigError(
                f"{source}:{number}: pattern {pattern!r} uses syntax CODEOWNERS does not support "
                "(negation with ! or [character ranges]); list the paths explicitly"
            )
        rules.append(OwnerRule(pattern, tuple(owners), number, _compile(pattern)))
    return rules


def load_codeowners(root: Path) -> list[OwnerRule]:
    """The CODEOWNERS rules of the repository at ``root`` (none when it has no such file)."""
    for place in CODEOWNERS_PLACES:
        path = root / place
        if path.is_file():
            return parse_codeowners(path.read_text(encoding="utf-8", errors="replace"), place)
    return []


def owners_of(path: str, rules: Iterable[OwnerRule]) -> tuple[str, ...]:
    """The owners of ``path`` (repository-relative): the last matching rule's, or none."""
    found: tuple[str, ...] = ()
    for rule in rules:
        if rule.regex.search(path):
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


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    parts = []
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif body.startswith("**", index):
            parts.append(".*")
            index += 2
        elif body[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif body[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(body[index]))
            index += 1
    start = "^" if anchored else "(?:^|/)"
    if directory:
        end = "/"
    elif any(c in body.rsplit("/", 1)[-1] for c in "*?"):
        end = "$"  # `docs/*` is the files in docs, not those in its subdirectories
    else:
        end = "(?:$|/)"  # a plain name is a file, or a directory and everything below it
    return re.compile(start + "".join(parts) + end)
