"""Where every test's result lands: kept once, cut to the output limits, redacted, retried or made
final, counted per node and application, and told to the store's batch and the observer.

The tests still ``pending`` in a running shard are its bookkeeping (``orch.core.run.supervisor``);
this module decides what each result reported for one of them means for the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from attrs import evolve

from orch.core.run.recorder import Recorder
from orch.core.run.retry import RetryPolicy
from orch.core.shared.outcomes import RETRYABLE, Counts, count
from orch.core.shared.output_limits import cut, keep_output
from orch.core.shared.redaction import Redactor
from orch.core.workflow.model import Workflow
from orch.ports import (
    Application,
    NodeFinish,
    NodeKind,
    Outcome,
    PlanNode,
    ShardUsage,
    TestCase,
    TestResult,
)
from orch.ports.observer import RunObserver
from orch.ports.simulator import simulated_markers

if TYPE_CHECKING:
    from orch.core.run.flow_steps import FlowSteps
    from orch.core.run.supervisor import RunningShard

_NODE_FAILURES = (Outcome.BLOCKED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.FAILED)
"""A node's outcome is the first of these any of its tests had, worst first."""


class Results:
    """The run's final results so far, how many tests it plans, and its problems."""

    def __init__(
        self,
        workflow: Workflow,
        redactor: Redactor,
        retry: RetryPolicy,
        recorder: Recorder,
        observer: RunObserver,
    ) -> None:
        self.output = workflow.execution.output
        self.redactor = redactor
        self.retry = retry
        self.recorder = recorder
        self.observer = observer
        self.finals: dict[tuple[str, str], TestResult] = {}
        self.planned = 0
        self.problems: list[str] = []
        self.environment_problems = 0
        self.shards: list[ShardUsage] = []  # each ended shard process: isolation, CPUs, use
        self.by_node: dict[str, list[TestResult]] = {}  # each node's final results so far
        self._by_app: dict[str, list[TestResult]] = {}
        self.steps: FlowSteps | None = None  # the run's flows (their steps' results)

    def carry(self, finals: Iterable[TestResult]) -> None:
        """The final results of the run being resumed: they stand, and are not told again."""
        for result in finals:
            self.finals[(result.app, result.nodeid)] = result
            self._by_app.setdefault(result.app, []).append(result)

    def forget(self, key: tuple[str, str]) -> None:
        """A resumed run's final result that runs again (a flow step that did not pass)."""
        result = self.finals.pop(key)
        self._by_app[result.app].remove(result)

    def ended(self) -> None:
        """The run finished: nothing is queued any more. What was planned and never reported
        is not counted: a whole application's command, planned as one test, whose report
        held none."""
        self.plan(len(self.finals) - self.planned)

    def plan(self, tests: int) -> None:
        """``tests`` more tests are planned (the store hears at its next flush)."""
        self.planned += tests
        self.recorder.batch.planned = self.planned

    def reported(self, shard: RunningShard, result: TestResult) -> None:
        """A result the runner reported for a test of ``shard``: a retry, or final."""
        result = keep_output(result, self.output)
        if simulated := simulated_markers(shard.app.env):
            result = evolve(result, markers=(*result.markers, *simulated))
        if shard.step.node.kind is NodeKind.STEP:
            shard.pending.clear()  # answered: a crash after its first result shows in its exit
            shard.collected.append(self.redactor.result(result))
            return
        key = (result.app, result.nodeid)
        if (
            not shard.runner.selects_tests
            and shard.shard.tests
            and result.nodeid not in shard.pending
        ):
            return  # a whole-app rerun: only the tests being retried count
        if key in self.finals:
            return  # never record a test twice
        if shard.pending.pop(result.nodeid, None) is not None:
            shard.resolved += 1
        result = self.redactor.result(evolve(result, attempt=shard.shard.attempt))
        self.recorder.changed = True
        if result.outcome in RETRYABLE:
            self.retry.failed(result)
            if self.retry.retries(shard.app, result):
                self.recorder.attempt(result)
                shard.retry.append(TestCase(result.app, result.nodeid, result.file, result.markers))
                return
        self.final(self.retry.final(result), shard.step.node.id)

    def final(self, result: TestResult, node_id: str | None = None) -> None:
        """``result`` is its test's last word in this run (of node ``node_id``, if any)."""
        key = (result.app, result.nodeid)
        if key in self.finals:
            return
        self.finals[key] = result
        if node_id is not None:
            self.by_node.setdefault(node_id, []).append(result)
        self._by_app.setdefault(result.app, []).append(result)
        batch = self.recorder.batch
        batch.finals.append(result)
        if result.outcome in (Outcome.PASSED, Outcome.FLAKY):
            batch.durations[key] = result.duration
        self.planned = max(self.planned, len(self.finals))
        self.observer.result(result)
        self.recorder.changed = True

    def environment_problem(self, app: Application, message: str) -> str:
        """Count and record ``message`` as the app's error; returns it as shown (cut to the
        output limits and redacted: it may quote what collection printed)."""
        message = self.redactor.text(cut(message, self.output))
        self.environment_problems += 1
        self.problems.append(message)
        self.final(
            TestResult(app=app.name, nodeid=app.name, outcome=Outcome.ERROR, message=message)
        )
        return message

    def problem(self, message: str) -> None:
        """A problem to report that fails no test (said once, redacted)."""
        shown = self.redactor.text(message)
        if shown not in self.problems:
            self.problems.append(shown)

    def blocked(self, node: PlanNode, tests: tuple[TestCase, ...], reason: str) -> None:
        """Node ``node`` will not run: each of its ``tests`` (or, listing none, its application)
        is ``blocked`` for ``reason``."""
        blocked = TestResult(node.app or "", "", Outcome.BLOCKED, message=f"blocked: {reason}")
        self._not_run(node, tests, blocked)

    def environment_failed(
        self, node: PlanNode, tests: tuple[TestCase, ...], message: str, logs: str
    ) -> None:
        """Node ``node`` will not run because its environment could not start: each of its
        ``tests`` (or its application) is an ``error`` saying why, the service's last lines
        (redacted) beside it."""
        shown = self.redactor.text(message)
        lines = self.redactor.text(cut(logs, self.output))
        error = TestResult(node.app or "", "", Outcome.ERROR, message=shown, longrepr=lines)
        self._not_run(node, tests, error)

    def _not_run(self, node: PlanNode, tests: tuple[TestCase, ...], like: TestResult) -> None:
        if node.kind is NodeKind.STEP and self.steps is not None:
            self.final(self.steps.not_run(node, like), node.id)
            return
        if not tests and node.app is not None:
            self.final(evolve(like, nodeid=node.app), node.id)
        for test in tests:
            self.final(evolve(like, app=test.app, nodeid=test.nodeid, file=test.file), node.id)

    def node_finish(self, node_id: str, seconds: float) -> NodeFinish:
        """How node ``node_id`` ended, from its tests' final outcomes (``node_outcome``)."""
        return node_outcome([result.outcome for result in self.by_node.get(node_id, [])], seconds)

    def counts(self, running: int = 0) -> Counts:
        return count(self.finals.values(), self.planned, running)

    def app_counts(self, app: str) -> Counts:
        """The counts of ``app``'s final results (once its last node ended, all are final)."""
        results = self._by_app.get(app, [])
        return count(results, len(results))


def node_outcome(outcomes: list[Outcome], seconds: float) -> NodeFinish:
    """How a node whose tests ended with ``outcomes`` ended: the worst failure among them,
    else ``skipped`` when every test was, else ``passed``."""
    outcome = next((bad for bad in _NODE_FAILURES if bad in outcomes), None)
    reason = ""
    if outcome is None:
        every_skipped = bool(outcomes) and all(o is Outcome.SKIPPED for o in outcomes)
        outcome = Outcome.SKIPPED if every_skipped else Outcome.PASSED
    if outcome is not Outcome.PASSED:
        reason = f"{outcomes.count(outcome)} of its {len(outcomes)} tests {outcome.value}"
    return NodeFinish(outcome, reason, seconds)
