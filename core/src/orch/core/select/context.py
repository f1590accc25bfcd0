"""The state of one application's selection: what changed, the ports, the language's analysis,
and the reasons and problems found so far; shared by the steps of ``app_selection``."""

from __future__ import annotations

from typing import Protocol

from attrs import define, field

from orch.core.select.changes import ChangeSet
from orch.core.select.reasons import Reasons
from orch.ports import (
    AppImpact,
    Application,
    CoverageStore,
    HistoryStore,
    OrchError,
    OutcomeHistory,
    TestCase,
    TestRunner,
    Vcs,
)


class SelectionStore(HistoryStore, CoverageStore, Protocol):
    """What selection reads of the store: past runs' outcomes and durations, coverage maps."""


@define
class AppContext:
    """One application being selected for, during one ``select`` call."""

    app: Application
    changes: ChangeSet
    store: SelectionStore
    vcs: Vcs | None
    runner: TestRunner | None
    analysis: AppImpact | None
    reasons: Reasons = field(factory=Reasons)
    problems: list[str] = field(factory=list)
    _history: dict[str, OutcomeHistory] | None = None
    _collection: list[TestCase] | None = None

    @property
    def strategies(self) -> tuple[str, ...]:
        return self.app.select.strategies

    def history(self) -> dict[str, OutcomeHistory]:
        """The app's recent outcomes, read from the store once per selection."""
        if self._history is None:
            self._history = self.store.outcome_history(self.app.name)
        return self._history

    def collected(self) -> list[TestCase] | None:
        """The app's tests as its runner collects them (once per selection); None if it cannot."""
        if self._collection is None:
            try:
                self._collection = self.runner.discover(self.app) if self.runner else []
            except OrchError as problem:
                self.problems.append(f"could not collect the tests' fixtures ({problem})")
                self._collection = []
                return None
        return self._collection or None

    def before(self, path: str) -> str | None:
        """The app-relative ``path`` as it was at the base of the change."""
        assert self.vcs is not None, "a change set exists, so a Vcs does"
        repository, prefix = self.changes.places[self.app.name]
        return self.vcs.show(repository, self.changes.base_of(self.app.name), prefix + path)
