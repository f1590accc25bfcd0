"""Dynamic priority: the terms ``execution.priority`` adds to a shard's declared priority (its
application's ``priority``), so that among queued phases and tests the riskiest and most
important go first. Each term is 0-100 (``orch.ports.phases.PRIORITY_TERMS``):

- ``failure_rate``: 100 x the highest recent failure rate (its application's last 20 finished
  runs) among the shard's tests (all its application's tests for one run whole);
- ``change_impact``: the highest risk score the selection gave its tests, as a share of
  ``IMPACT_SCALE`` (0 without a selection; 100 for an application selected whole);
- ``criticality``: the declared business criticality of its application or its phase, the
  higher.

The scheduler runs higher totals first; the report lists each shard's terms.
"""

from __future__ import annotations

from collections.abc import Mapping

from orch.core.workflow.model import Workflow
from orch.ports import Application, HistoryStore, OutcomeHistory, Shard
from orch.ports.phases import PriorityTerms
from orch.ports.selection import Selection

IMPACT_SCALE = 12.0
"""The risk score that counts as the whole change-impact term: the strongest reason (a new
test, 6), critical (1), always failing (3), flaky (1) and instant (1) (``orch.core.select``'s
scoring)."""


class Priorities:
    """The priority of each shard of a run of ``workflow``."""

    def __init__(self, workflow: Workflow, store: HistoryStore, selection: Selection | None):
        self.terms = workflow.execution.priority
        self.store = store
        self.selection = selection
        self._history: dict[str, Mapping[str, OutcomeHistory]] = {}

    def of(self, app: Application, shard: Shard, base: str, criticality: int) -> PriorityTerms:
        """``shard``'s priority (of ``app``, which is ``base`` or a matrix variant of it; in a
        phase of ``criticality``)."""
        terms: dict[str, int] = {}
        nodeids = [test.nodeid for test in shard.tests]
        if "failure_rate" in self.terms:
            history = self._recent(base)
            rates = [history[n].failure_rate for n in nodeids or history if n in history]
            terms["failure_rate"] = round(100 * max(rates, default=0.0))
        if "change_impact" in self.terms:
            terms["change_impact"] = self._impact(base, nodeids)
        if "criticality" in self.terms:
            terms["criticality"] = max(app.criticality, criticality)
        return PriorityTerms(shard.key, app.name, app.priority, terms)

    def _recent(self, app: str) -> Mapping[str, OutcomeHistory]:
        if app not in self._history:
            self._history[app] = self.store.outcome_history(app)
        return self._history[app]

    def _impact(self, app: str, nodeids: list[str]) -> int:
        if self.selection is None:
            return 0
        wanted = self.selection.wanted(app)
        if wanted is None:
            return 100
        scores = [wanted.get(n, wanted.get(n.split("[", 1)[0], 0.0)) for n in nodeids]
        return round(100 * min(1.0, max(scores, default=0.0) / IMPACT_SCALE))
