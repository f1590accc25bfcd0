"""The change set: what changed between a base and a head (or the working tree), per application.

A changed file belongs to the application whose root contains it (the deepest, when roots nest);
files in no application are kept too, so ``orch select`` can say they select nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from attrs import evolve, field, frozen

from orch.core.workflow import Workflow
from orch.ports import Application, ChangedFile, Vcs


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
    workflow: Workflow, vcs: Vcs, base: str | None = None, head: str | None = None
) -> ChangeSet:
    """Ask the Vcs what changed and sort the files into applications.

    ``base`` defaults to the merge-base of HEAD with the default branch; ``head`` of None means
    the working tree, with staged, unstaged and untracked files.
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
        for change in vcs.changed_files(repository, resolved, head):
            owner = _owner(change.path, roots)
            if owner is None:
                outside.append(change.path)
                continue
            prefix, name = owner
            old = change.old_path
            if old is not None:
                old = old[len(prefix) :] if old.startswith(prefix) else "../" + old
            by_app[name].append(evolve(change, path=change.path[len(prefix) :], old_path=old))
    return ChangeSet(
        base=_shared(bases.values()),
        head=head,
        apps={name: tuple(files) for name, files in by_app.items()},
        outside=tuple(outside),
        places=places,
        bases=bases,
    )


def relative_prefix(path: Path, repository: Path) -> str:
    """``path`` under ``repository`` as a path prefix: ``apps/pay/``, or "" for the top itself."""
    relative = os.path.relpath(path.resolve(), repository.resolve()).replace(os.sep, "/")
    return "" if relative == "." else relative + "/"


def _shared(bases: Iterable[str]) -> str:
    """The base every repository was compared from, or "" when they differ."""
    distinct = set(bases)
    return distinct.pop() if len(distinct) == 1 else ""


def _owner(path: str, roots: list[tuple[str, str]]) -> tuple[str, str] | None:
    for prefix, name in roots:
        if path.startswith(prefix):
            return prefix, name
    return None
