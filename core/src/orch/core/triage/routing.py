"""Who owns a failure: category routing first, then CODEOWNERS by path, then a fallback owner.

The rules are the workflow's (``orch.ports.triage.Routing``; CODEOWNERS files are read by
``orch.core.workflow.codeowners``). CODEOWNERS follows GitHub's rules: the last matching line
wins; a pattern with a slash at the start or in the middle is anchored at the repository root,
one without matches at any depth; a trailing slash means everything below that directory; ``*``
stays within a path segment and ``**`` crosses segments; ``docs/*`` is the files directly in docs.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from attrs import evolve

from orch.core.shared.globs import PathGlob
from orch.ports import Failure
from orch.ports.triage import OwnerRule, Routing


def owners_of(path: str, rules: Iterable[OwnerRule]) -> tuple[str, ...]:
    """The owners of ``path`` (repository-relative): the last matching rule's, or none."""
    found: tuple[str, ...] = ()
    for rule in rules:
        if glob_of(rule.pattern).search(path):
            found = rule.owners
    return found


def assign(routing: Routing, failure: Failure, paths: Iterable[str] = ()) -> Failure:
    """``failure`` with ``assigned_to`` set; ``paths`` are repository-relative files to look up
    in CODEOWNERS, most specific first (the deepest frame in the app's code, the test)."""
    team = routing.categories.get(failure.category)
    if team:
        return evolve(failure, assigned_to=team)
    for path in paths:
        owners = owners_of(path, routing.owners)
        if owners:
            return evolve(failure, assigned_to=" ".join(owners))
    return evolve(failure, assigned_to=routing.fallback)


@lru_cache(maxsize=65536)
def glob_of(pattern: str) -> PathGlob:
    """A CODEOWNERS pattern compiled (once: a large file has thousands of lines)."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    if pattern.endswith("/"):
        end = "directory"
    elif any(c in body.rsplit("/", 1)[-1] for c in "*?"):
        end = "file"  # `docs/*` is the files in docs, not those in its subdirectories
    else:
        end = "either"  # a plain name is a file, or a directory and everything below it
    return PathGlob(body, anchored, end)
