"""Telling the observer when each application starts and finishes: ``app_start`` before its
first node starts (or is blocked), ``app_finish`` with its counts once its last node ended."""

from __future__ import annotations

from collections.abc import Callable

from orch.core.run.plan import Plan
from orch.core.shared.outcomes import Counts
from orch.core.workflow.model import Workflow
from orch.ports import PlanNode
from orch.ports.observer import RunObserver


class AppProgress:
    """Which applications of a plan started, and how many nodes each has left."""

    def __init__(
        self,
        workflow: Workflow,
        plan: Plan,
        observer: RunObserver,
        counts: Callable[[str], Counts],
    ) -> None:
        self.workflow = workflow
        self.observer = observer
        self.counts = counts
        self._nodes_left = {app: len(ids) for app, ids in plan.apps().items()}
        self._started: set[str] = set()

    def started(self, node: PlanNode) -> None:
        """``node`` starts or is blocked: its application has started, if it had not."""
        if node.app is not None and node.app not in self._started:
            self._started.add(node.app)
            self.observer.app_start(self.workflow.app(node.app))

    def node_done(self, node: PlanNode) -> None:
        """``node`` ended: its application finished when it was its last."""
        if node.app is None:
            return
        self._nodes_left[node.app] -= 1
        if not self._nodes_left[node.app]:
            self.observer.app_finish(self.workflow.app(node.app), self.counts(node.app))
