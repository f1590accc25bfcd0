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
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from attrs import evolve

from orch.core.run.flow_planning import step_node_id
from orch.core.run.flow_records import FlowRecorder, handed_secrets
from orch.core.run.flow_values import Missing, deliver, published, value_at
from orch.core.run.flow_verdict import verdict
from orch.core.run.flow_waits import StepWaits
from orch.core.run.flow_when import unmet
from orch.core.run.plan import Step
from orch.core.run.results import Results
from orch.core.run.supervisor import ENVIRONMENT_DIED, Ended
from orch.core.shared.outcomes import RETRYABLE
from orch.core.workflow.model import Workflow
from orch.ports import Application, NodeKind, Outcome, PlanNode, TestResult
from orch.ports.conditions import SqlProbe
from orch.ports.flows import (
    FlowRecord,
    FlowSpec,
    FlowStep,
    Handoff,
    step_markers,
    step_nodeid,
)
from orch.ports.simulator import simulated_markers


class FlowSteps:
    """The flow steps of one run: their inputs, their verdicts, their results."""

    def __init__(
        self,
        workflow: Workflow,
        results: Results,
        recorder: FlowRecorder,
        waits: StepWaits,
        run_clock: Callable[[], float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``results`` are the run's (a step's ``when`` reads earlier outcomes; its retries
        follow their policy; its text is masked by their redactor, which learns the secrets
        steps hand on); ``waits`` hold steps back until what they wait for holds; ``recorder``
        keeps what each step published and when it ran
        (``clock``, the wall's; ``run_clock`` the run's, which times its processes)."""
        self.workflow = workflow
        self.results = results
        self.retry = results.retry
        self.redactor = results.redactor
        self.recorder = recorder
        self.waits = waits
        self.run_clock = run_clock
        self.clock = clock
        self._steps: dict[str, tuple[FlowSpec, FlowStep]] = {
            step_node_id(flow.name, step.id): (flow, step)
            for flow in workflow.cross_app_tests
            for step in flow.steps
        }

    def of(self, node: PlanNode) -> tuple[FlowSpec, FlowStep]:
        return self._steps[node.id]

    def start(self, step: Step, start: Callable[[Step], bool]) -> bool:
        """Start ``step`` with ``start`` (the supervisor's) unless it is a flow step that will
        not run (False, its result final): its ``when`` does not hold (``skipped``), an input
        is not there (``blocked``); or that waits first (True: ``waited`` starts it)."""
        if step.node.kind is not NodeKind.STEP:
            return start(step)
        flow, flow_step = self.of(step.node)
        try:
            for condition in flow_step.when:
                outcome_of = partial(self._outcome, flow)
                why = unmet(flow, condition, outcome_of, self.recorder, self.redactor.text)
                if why:
                    self.final(step.node, Outcome.SKIPPED, f"when: {why}")
                    return False
            self._inputs(flow, flow_step)
        except Missing as missing:
            self.final(step.node, Outcome.BLOCKED, f"blocked: input {missing}")
            return False
        return self.waits.begin(step) or start(step)

    def waited(self, start: Callable[[Step], bool]) -> list[Step]:
        """Start the flow steps whose wait held; those whose wait failed are ``blocked``. The
        steps that ended so, or that ``start`` could not start, are returned."""
        ended = []
        for step, problem in self.waits.ended():
            if problem is not None:
                ended.append(step)
                self.final(step.node, Outcome.BLOCKED, f"blocked: {problem}")
            elif not start(step):
                ended.append(step)
        return ended

    def final(self, node: PlanNode, outcome: Outcome, message: str) -> None:
        """``node``'s step will not run: its result, final, is ``outcome`` for ``message``."""
        self.results.final(self.result(node, outcome, message), node.id)

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
        return TestResult(
            step.app,
            step_nodeid(flow.name, step),
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
        markers = (*made.markers, *simulated_markers(running.app.env))
        made = evolve(made, attempt=shard.attempt, duration=seconds, markers=markers)
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

    def finish(self) -> tuple[FlowRecord, ...]:
        """The run ended: no step waits any more; each flow's timeline, saved with the run for
        ``orch flow show``."""
        self.waits.cancel()
        flows = self.workflow.cross_app_tests
        environments = {a.name: a.environment or None for a in self.workflow.applications}
        records = self.recorder.records(flows, self.results.finals, self.redactor, environments)
        self.recorder.save_records(records)
        return records

    def _outcome(self, flow: FlowSpec, step: FlowStep) -> Outcome | None:
        result = self.results.finals.get((step.app, step_nodeid(flow.name, step)))
        return None if result is None else result.outcome

    def _inputs(self, flow: FlowSpec, step: FlowStep) -> dict[Handoff, Any]:
        """The values ``step`` receives, each by its hand-off; ``Missing`` for one not there."""
        return {
            h: value_at(self.recorder.values(flow.name, h.source.step), h.source)
            for h in flow.data_flow
            if h.target.step == step.id
        }


def flow_steps_for(
    workflow: Workflow,
    run_dir: Path,
    results: Results,
    run_clock: Callable[[], float],
    variables: Callable[[Application], Mapping[str, str]],
    sql_probe: SqlProbe | None,
) -> FlowSteps | None:
    """The flow steps of a run of ``workflow`` in ``run_dir`` (None when it has no flows);
    ``results`` makes their results through them; their waits read ``variables`` (each
    application's environment's) and run SQL on ``sql_probe``. A resumed run's redactor learns
    the secrets its steps handed on before (a token its login returned, which the steps it runs
    again are given and may print)."""
    if not workflow.cross_app_tests:
        return None
    waits = StepWaits(workflow, variables, sql_probe)
    recorder = FlowRecorder(run_dir)
    for flow in workflow.cross_app_tests:
        for step in flow.steps:
            values = recorder.values(flow.name, step.id)
            results.redactor.learn(handed_secrets(flow, step.id, values))
    results.steps = FlowSteps(workflow, results, recorder, waits, run_clock)
    return results.steps
