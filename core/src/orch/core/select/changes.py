"""The change set: what changed between a base and a head (or the working tree), per application.

A changed file belongs to the application whose root contains it (the deepest, when roots nest);
files in no application are kept too, so ``orch select`` can say they select nothing. Caches that
running tests writes (``__pycache__``, ``.pytest_cache``, ...) are never changes: in a repository
without a ``.gitignore`` for them, they would select whole applications after every run.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path

from attrs import evolve, field, frozen

from orch.core.shared.state_dir import STATE_DIR_NAME
from orch.core.workflow.model import Workflow
from orch.ports import Application, ChangedFile, Vcs

GENERATED_DIRS = frozenset(
    {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", STATE_DIR_NAME}
)
"""Folders that tools write while tests run or are checked; nothing in them is a source change."""

GENERATED_SUFFIXES = (".pyc", ".pyo")


@frozen
class ChangeSet:
    """Changed files per application (paths relative to the app), and those in no application."""

    base: str
    head: str | None
    apps: dict[str, tuple[ChangedFile, ...]]
    outside: tuple[str, ...] = ()
    places: dict[str, tuple[Path, str]] = field(factory=dict, hash=False)
    """Per application: its repository root and its path prefix inside it ("" at the top)."""
    bases: dict[str, str] = field(factory=dict, hash=False)
    """Per application: the base its own repository was compared from (``base`` is the one
    they share, "" when repositories differ)."""

    def of(self, app: str) -> tuple[ChangedFile, ...]:
        """The changed files of ``app``, relative to its folder."""
        return self.apps.get(app, ())

    def base_of(self, app: str) -> str:
        """The base ``app``'s repository was compared from."""
        return self.bases.get(app, self.base)


def change_set(
    workflow: Workflow,
    vcs: Vcs,
    base: str | None = None,
    head: str | None = None,
    claims: dict[str, tuple[Path, ...]] | None = None,
) -> ChangeSet:
    """Ask the Vcs what changed and sort the files into applications.

    ``base`` defaults to the merge-base of HEAD with the default branch; ``head`` of None means
    the working tree, with staged, unstaged and untracked files. ``claims`` are directories
    outside an application's folder that belong to it too (a shared library its tests import):
    a file there is a change of every application claiming it, as ``../libs/...``.
    """
    repositories: dict[Path, list[Application]] = {}
    for app in workflow.applications:
        repositories.setdefault(vcs.root(app.path), []).append(app)
    by_app: dict[str, list[ChangedFile]] = {app.name: [] for app in workflow.applications}
    outside: list[str] = []
    bases: dict[str, str] = {}
    places = {}
    for repository, apps in repositories.items():
        resolved = base or vcs.default_base(repository)
        bases.update((app.name, resolved) for app in apps)
        roots = sorted(
            ((relative_prefix(app.path, repository), app.name) for app in apps),
            key=lambda pair: -len(pair[0]),
        )
        places.update({name: (repository, prefix) for prefix, name in roots})
        claimed = [
            (relative_prefix(directory, repository), app.name)
            for app in apps
            for directory in (claims or {}).get(app.name, ())
            if directory.resolve().is_relative_to(repository.resolve())
        ]
        for change in vcs.changed_files(repository, resolved, head):
            if is_generated(change.path):
                continue
            owner = _owner(change.path, roots)
            names = [owner[1]] if owner else []
            names += [n for p, n in claimed if change.path.startswith(p) and n not in names]
            if not names:
                outside.append(change.path)
            for name in names:
                prefix = places[name][1]
                old = change.old_path
                by_app[name].append(
                    evolve(
                        change,
                        path=_from_app(change.path, prefix),
                        old_path=None if old is None else _from_app(old, prefix),
                    )
                )
    return ChangeSet(
        base=_shared(bases.values()),
        head=head,
        apps={name: tuple(files) for name, files in by_app.items()},
        outside=tuple(outside),
        places=places,
        bases=bases,
    )


def is_generated(path: str) -> bool:
    """Whether ``path`` (repository-relative) is a cache a tool wrote, not a change of source."""
    folders = path.split("/")[:-1]
    return path.endswith(GENERATED_SUFFIXES) or any(f in GENERATED_DIRS for f in folders)


def relative_prefix(path: Path, repository: Path) -> str:
    """``path`` under ``repository`` as a path prefix: ``apps/pay/``, or "" for the top itself."""
    relative = os.path.relpath(path.resolve(), repository.resolve()).replace(os.sep, "/")
    return "" if relative == "." else relative + "/"


def _from_app(path: str, prefix: str) -> str:
    """The repository path ``path`` as seen from the app at ``prefix`` (``../libs/x.py``)."""
    if path.startswith(prefix):
        return path[len(prefix) :]
    return posixpath.relpath(path, prefix.rstrip("/") or ".")


def _shared(bases: Iterable[str]) -> str:
    """The base every repository was compared from, or "" when they differ."""
    distinct = set(bases)
    return distinct.pop() if len(distinct) == 1 else ""


def _owner(path: str, roots: list[tuple[str, str]]) -> tuple[str, str] | None:
    for prefix, name in roots:
        if path.startswith(prefix):
            return prefix, name
    return None
