"""What follows a node's end in a run: the observer told, the nodes waiting for it ready or
``blocked`` (their tests' results saying why), its application and environment told it is
done; a phase's gate judged the moment it is handed out (``orch.core.run.gates``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from orch.core.run.app_progress import AppProgress
from orch.core.run.environment_nodes import EnvironmentNodes
from orch.core.run.gates import Gates
from orch.core.run.plan import Plan, Step
from orch.core.run.results import Results
from orch.core.run.scheduler import Scheduler
from orch.ports import NodeFinish, Outcome, PlanNode, TestCase
from orch.ports.observer import RunObserver

NotRun = Callable[[PlanNode, tuple[TestCase, ...], str], None]
"""What a node's tests become when it will never run (``Results.blocked``, say)."""


class NodeEnds:
    """Ends the nodes of ``plan`` that ``scheduler`` hands out; ``began`` is when each that
    started did."""

    def __init__(
        self,
        plan: Plan,
        scheduler: Scheduler,
        results: Results,
        observer: RunObserver,
        apps: AppProgress,
        environments: EnvironmentNodes | None,
        gates: Gates | None,
    ) -> None:
        self.plan = plan
        self.scheduler = scheduler
        self.results = results
        self.observer = observer
        self.apps = apps
        self.environments = environments
        self.gates = gates
        self.began: dict[str, float] = {}

    def done(self, step: Step, taken: bool = True) -> None:
        """A step ended; once its node has nothing left to run, the node finished."""
        if not self.scheduler.done(step, taken):
            return
        node = step.node
        finish = self.results.node_finish(node.id, time.monotonic() - self.began[node.id])
        self.observer.node_finish(node, finish)
        blocked = self.scheduler.finished(node.id, finish.outcome)
        self.app_node_done(node)
        self.block(blocked)

    def judge(self, step: Step) -> None:
        """A phase's gate: judged at once (``Gates.close``); what it blocks never runs."""
        assert self.gates is not None  # a plan has gates only when the run has phases
        finish, blocked = self.gates.close(step, self.began, self.scheduler)
        self.observer.node_finish(step.node, finish)
        self.block(blocked)

    def block(self, blocked: list[tuple[PlanNode, str]], failed: NotRun | None = None) -> None:
        """The ``blocked`` nodes will never run, each for its reason (``failed``: their
        environment could not start, they are errors)."""
        for waiting, reason in blocked:
            self.apps.started(waiting)
            tests = self.plan.steps[waiting.id].shard.tests
            (failed or self.results.blocked)(waiting, tests, reason)
            outcome = Outcome.BLOCKED if failed is None else Outcome.ERROR
            self.observer.node_finish(waiting, NodeFinish(outcome, reason))
            self.app_node_done(waiting)

    def app_node_done(self, node: PlanNode) -> None:
        """``node`` is done with its environment and counts as done for its application."""
        if self.environments is not None:
            self.environments.node_done(node)
        self.apps.node_done(node)
