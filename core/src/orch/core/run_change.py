"""What version control says about a run: the commit it is recorded under, and the change it
is about, asked once and handed to each use case that needs it: selection (what to run), triage
("likely caused by your change to ...") and coverage recording (files that differ from HEAD,
whose coverage is not HEAD's).

Each distinct question (base, head) is asked of the Vcs once per run; a plain ``orch run`` asks
one (the working tree against HEAD), ``orch run --select changed`` one more only when it also
records coverage against a base other than HEAD.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orch.core.select.changes import ChangeSet, change_set
from orch.core.workflow.model import Workflow
from orch.ports import ConfigError, OrchError, Vcs


class RunChange:
    """The change sets of one run, each computed at most once."""

    def __init__(
        self,
        workflow: Workflow,
        vcs: Vcs | None,
        claims: Callable[[], dict[str, tuple[Path, ...]]] = dict,
    ) -> None:
        """``claims`` gives the folders outside an application's own that belong to it (asked
        only when a change set is first needed)."""
        self.workflow = workflow
        self.vcs = vcs
        self.claims = claims
        self._asked: dict[tuple[str | None, str | None], ChangeSet] = {}

    def between(self, base: str | None = None, head: str | None = None) -> ChangeSet:
        """What changed from ``base`` (default: the merge-base with the default branch) to
        ``head`` (default: the working tree).

        :raises NotARepository, MissingHistory: as ``change_set`` (also when there is no Vcs).
        """
        if (base, head) not in self._asked:
            if self.vcs is None:
                raise ConfigError("no version-control adapter is installed")
            changes = change_set(self.workflow, self.vcs, base, head, claims=self.claims())
            self._asked[(base, head)] = changes
            if changes.base:  # asked again under the base it resolved to (a selection's base)
                self._asked.setdefault((changes.base, head), changes)
        return self._asked[(base, head)]

    def changed_files(self, base: str) -> list[tuple[str, str]]:
        """(app, path) of every file changed from ``base`` to the working tree; none when
        there is no version control or it cannot tell."""
        if self.vcs is None:
            return []
        try:
            changes = self.between(base)
        except OrchError:
            return []
        return [(app, change.path) for app, files in changes.apps.items() for change in files]

    def uncommitted(self) -> dict[str, tuple[str, ...]]:
        """Per application, the files that differ from HEAD: their coverage is not HEAD's."""
        if self.vcs is None:
            raise ConfigError("--record-coverage needs a version-control adapter (orch-git)")
        try:
            dirty = self.between("HEAD")
        except OrchError as problem:
            raise ConfigError(f"--record-coverage needs a git repository: {problem}") from None
        return {app: tuple(change.path for change in files) for app, files in dirty.apps.items()}


def repository_heads(workflow: Workflow, vcs: Vcs | None) -> dict[str, str]:
    """Each application's HEAD in its own repository (left out outside version control)."""
    if vcs is None:
        return {}
    heads: dict[Path, str] = {}
    commits = {}
    for app in workflow.applications:
        try:
            repository = vcs.root(app.path)
            if repository not in heads:
                heads[repository] = vcs.head(repository)
        except OrchError:
            continue
        commits[app.name] = heads[repository]
    return commits


def run_commit(app_commits: dict[str, str]) -> str:
    """The commit a run is recorded under: the one its applications share, or theirs joined
    with ``+`` (sorted) when they live in repositories of their own, so that the same state of
    every repository is the same run commit."""
    return "+".join(sorted({commit for commit in app_commits.values() if commit}))
