"""Change-based test selection: the tests a change can break, each with its reasons and a score.

Per application, from the change set: build and dependency files (and files its language's
analysis cannot see through) select the whole application; changed test code selects the tests
it touches; a changed source file selects the tests whose recorded coverage executed the changed
lines, or, where no trustworthy coverage exists for that file, every test that imports it
directly or transitively; mapping rules, recent failures and always-run tests add to that. When
in doubt it selects more, and says why. What a language's files mean comes from the
``ChangeImpact`` adapters (the pytest adapter reads Python, the node adapter JavaScript).

``Selector`` is the entry point; ``app_selection`` holds the steps for one application.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from attrs import evolve

from orch.core.select.app_selection import select_app, whole
from orch.core.select.changes import ChangeSet
from orch.core.select.context import AppContext, SelectionStore
from orch.core.workflow.model import Workflow
from orch.ports import AppImpact, Application, ChangeImpact, TestRunner, Vcs
from orch.ports.selection import Selection

__all__ = ["Selector"]


class Selector:
    """Selects tests for a change; its ports are passed in (see ``orch.core.bootstrap``)."""

    def __init__(
        self,
        workflow: Workflow,
        *,
        vcs: Vcs | None,
        store: SelectionStore,
        runners: dict[str, TestRunner],
        state_dir: Path,
        impacts: Sequence[ChangeImpact] = (),
    ) -> None:
        self.workflow = workflow
        self.vcs = vcs
        self.store = store
        self.runners = runners
        self.impacts = sorted(impacts, key=lambda impact: impact.PLUGIN_NAME)
        self.cache_dir = state_dir / "cache"
        self.build_files = tuple(p for impact in self.impacts for p in impact.build_files)
        self._analyses: dict[str, AppImpact | None] = {}

    def select(self, changes: ChangeSet, apps: Sequence[str] = ()) -> Selection:
        """The selection for ``changes``, for ``apps`` (default: every application)."""
        chosen = {}
        for app in self._apps(apps):
            selected = select_app(self._context(app, changes), self.build_files)
            chosen[app.name] = evolve(selected, base=changes.base_of(app.name))
        return Selection(changes.base, changes.head, chosen, changes.outside)

    def claims(self) -> dict[str, tuple[Path, ...]]:
        """Per application that runs single tests, the directories outside its folder that its
        tests can import (its analysis' ``outside_roots``): changes there are its changes too."""
        claims = {}
        for app in self.workflow.applications:
            runner = self.runners.get(app.runner)
            if runner is not None and runner.selects_tests:
                analysis = self._analysis(app)
                claims[app.name] = analysis.outside_roots() if analysis is not None else ()
        return claims

    def everything(self, reason: str, apps: Sequence[str] = ()) -> Selection:
        """Every test of every application (or of ``apps``), for ``reason``."""
        nothing_known = ChangeSet(base="", head=None, apps={})
        chosen = {
            app.name: whole(self._context(app, nothing_known), reason) for app in self._apps(apps)
        }
        return Selection("", None, chosen)

    def _apps(self, names: Sequence[str]) -> list[Application]:
        return [app for app in self.workflow.applications if not names or app.name in names]

    def _context(self, app: Application, changes: ChangeSet) -> AppContext:
        runner = self.runners.get(app.runner)
        return AppContext(app, changes, self.store, self.vcs, runner, self._analysis(app))

    def _analysis(self, app: Application) -> AppImpact | None:
        """The first installed analysis (by name) that reads ``app``'s language; one per app and
        selector, so its caches are read once."""
        if app.name not in self._analyses:
            found = (impact.analyse(app, self.cache_dir) for impact in self.impacts)
            self._analyses[app.name] = next((a for a in found if a is not None), None)
        return self._analyses[app.name]
