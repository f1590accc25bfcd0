"""Running the steps of cross-application flows: what a step is given, whether it runs at all,
and what its process's results make of it.

A step is one node of the plan (``orch.core.run.flow_planning``) whose shard runs one test of
one application. Before its process starts, its ``when`` is read (``skipped`` when it does not
hold) and the values its ``data_flow`` brings are found in what its producers published (a
missing one makes it ``blocked`` naming the path); they are delivered as files and variables
(``orch.core.run.flow_values``). Whatever its process reports (one test, every test of a file, a
framework's JUnit report) makes one result, the step's, under the step's own id
(``orch.ports.flows.step_nodeid``), retried as the step says; once it passes, what it published
is kept for the steps that follow, and for a resumed run (``orch.core.run.flow_records``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import evolve

from orch.core.run.flow_planning import step_node_id
from orch.core.run.flow_records import FlowRecorder, handed_secrets
from orch.core.run.flow_values import Missing, deliver, published, value_at
from orch.core.run.flow_verdict import verdict
from orch.core.run.plan import Step
from orch.core.run.results import Results
from orch.core.run.supervisor import ENVIRONMENT_DIED, Ended
from orch.core.shared.outcomes import RETRYABLE
from orch.core.workflow.model import Workflow
from orch.ports import NodeKind, Outcome, PlanNode, TestResult
from orch.ports.flows import (
    Condition,
    FlowRecord,
    FlowSpec,
    FlowStep,
    Handoff,
    step_markers,
    step_nodeid,
)


class FlowSteps:
    """The flow steps of one run: their inputs, their verdicts, their results."""

    def __init__(
        self,
        workflow: Workflow,
        results: Results,
        recorder: FlowRecorder,
        run_clock: Callable[[], float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``results`` are the run's (a step's ``when`` reads earlier outcomes; its retries
        follow their policy; its text is masked by their redactor, which learns the secrets
        steps hand on); ``recorder`` keeps what each step published and when it ran
        (``clock``, the wall's; ``run_clock`` the run's, which times its processes)."""
        self.workflow = workflow
        self.results = results
        self.retry = results.retry
        self.redactor = results.redactor
        self.recorder = recorder
        self.run_clock = run_clock
        self.clock = clock
        self._steps: dict[str, tuple[FlowSpec, FlowStep]] = {
            step_node_id(flow.name, step.id): (flow, step)
            for flow in workflow.cross_app_tests
            for step in flow.steps
        }

    def of(self, node: PlanNode) -> tuple[FlowSpec, FlowStep]:
        return self._steps[node.id]

    def result_id(self, flow: FlowSpec, step: FlowStep) -> tuple[str, str]:
        return step.app, step_nodeid(flow.name, step)

    def refused(self, step: Step) -> bool:
        """Whether ``step`` will not run, its result final: a flow step whose ``when`` does
        not hold (``skipped``) or one of whose inputs is not there (``blocked``)."""
        if step.node.kind is not NodeKind.STEP:
            return False
        flow, flow_step = self.of(step.node)
        try:
            for condition in flow_step.when:
                why = self._unmet(flow, condition)
                if why:
                    return self._final(step.node, Outcome.SKIPPED, f"when: {why}")
            self._inputs(flow, flow_step)
        except Missing as missing:
            return self._final(step.node, Outcome.BLOCKED, f"blocked: input {missing}")
        return False

    def _final(self, node: PlanNode, outcome: Outcome, message: str) -> bool:
        self.results.final(self.result(node, outcome, message), node.id)
        return True

    def environment(self, node: PlanNode, scratch: Path) -> dict[str, str]:
        """Deliver the step's inputs into ``scratch``; the variables that tell its process
        where they are and where to publish. Its start is recorded."""
        flow, step = self.of(node)
        handoffs = self._inputs(flow, step)
        self.recorder.started(flow.name, step.id, self.clock(), handoffs)
        variables = deliver(scratch, handoffs)
        return {**variables, "ORCH_FLOW": flow.name, "ORCH_STEP": step.id}

    def result(self, node: PlanNode, outcome: Outcome, message: str) -> TestResult:
        """A result of ``node``'s step that its process did not make."""
        flow, step = self.of(node)
        app, nodeid = self.result_id(flow, step)
        return TestResult(
            app,
            nodeid,
            outcome,
            message=message,
            markers=step_markers(flow.name, step),
            file=step.test.split("::", 1)[0],
        )

    def not_run(self, node: PlanNode, like: TestResult) -> TestResult:
        """``like`` (a blocked or error result made for the tests of a node that never ran)
        as the result of ``node``'s step."""
        return evolve(self.result(node, like.outcome, like.message), longrepr=like.longrepr)

    def ended(self, ended: Ended, push: Callable[[Step], None]) -> None:
        """A step's process ended: its one result is final, or it runs again (``push``ed: its
        failed attempt is kept, not final). One killed because its environment died was pushed
        again by ``settle``, on the same attempt."""
        if ended.exit.killed_for == ENVIRONMENT_DIED:
            return
        running = ended.shard
        node, shard = running.step.node, running.shard
        flow, step = self.of(node)
        made = verdict(self.result(node, Outcome.PASSED, ""), step, running.collected, ended.exit)
        seconds = self.run_clock() - running.started
        made = evolve(made, attempt=shard.attempt, duration=seconds)
        app = self.workflow.app(step.app)
        if step.retries is not None:
            app = evolve(app, retries=step.retries)
        self.retry.failed(made)
        if made.outcome in RETRYABLE and self.retry.retries(app, made):
            self.results.recorder.attempt(made)
            push(Step(node, evolve(shard, attempt=shard.attempt + 1)))
            return
        made = self.retry.final(made)
        self.recorder.ended(flow.name, step.id, self.clock(), shard.attempt)
        if made.outcome in (Outcome.PASSED, Outcome.FLAKY):
            values, problem = published(running.scratch)
            self.recorder.published(flow.name, step.id, values)
            self.redactor.learn(handed_secrets(flow, step.id, values))
            if problem:
                made = evolve(made, message=f"{made.message}; {problem}".lstrip("; "))
        self.results.final(self.redactor.result(made), node.id)

    def records(self) -> tuple[FlowRecord, ...]:
        """Each flow's timeline as the run ended, saved with the run for ``orch flow show``."""
        flows = self.workflow.cross_app_tests
        environments = {a.name: a.environment or None for a in self.workflow.applications}
        records = self.recorder.records(flows, self.results.finals, self.redactor, environments)
        self.recorder.save_records(records)
        return records

    def _unmet(self, flow: FlowSpec, condition: Condition) -> str:
        """Why ``condition`` does not hold ('' when it does)."""
        if condition.on == "outcome":
            subject = flow.step(condition.subject)
            result = self.results.finals.get(self.result_id(flow, subject))
            outcome = result.outcome.value if result is not None else "not run"
            if outcome in condition.accepted:
                return ""
            wanted = " or ".join(map(str, condition.accepted))
            return f"step {subject.id} {outcome}, wanted {wanted}"
        handoff = next(h for h in flow.data_flow if h.name == condition.subject)
        value = value_at(self.recorder.values(flow.name, handoff.source.step), handoff.source)
        if value in condition.accepted:
            return ""
        wanted = " or ".join(repr(v) for v in condition.accepted)
        return f"value {handoff.name} is {self.redactor.text(repr(value))}, wanted {wanted}"

    def _inputs(self, flow: FlowSpec, step: FlowStep) -> dict[Handoff, Any]:
        """The values ``step`` receives, each by its hand-off; ``Missing`` for one not there."""
        return {
            h: value_at(self.recorder.values(flow.name, h.source.step), h.source)
            for h in flow.data_flow
            if h.target.step == step.id
        }


def flow_steps_for(
    workflow: Workflow, run_dir: Path, results: Results, run_clock: Callable[[], float]
) -> FlowSteps | None:
    """The flow steps of a run of ``workflow`` in ``run_dir`` (None when it has no flows);
    ``results`` makes their results through them."""
    if not workflow.cross_app_tests:
        return None
    results.steps = FlowSteps(workflow, results, FlowRecorder(run_dir), run_clock)
    return results.steps
