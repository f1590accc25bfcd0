"""The quality gates of a run's phases: once every node of a phase has ended, its gate node
judges what the phase's tests did (``orch.ports.phases.Gate``) on the run's thread, and the
run's record of each phase (``PhaseRecord``) is made from what was judged.

A phase's tests are those it planned and those a resumed run carried over, so a gate judges
the whole phase, not only what ran last. Pass rate: ``passed`` and ``flaky`` over every test
that did not skip. A failure is new when the test did not fail in its application's previous
finished run (a test that was not in it counts as new). A critical test is one named by the
gate's ``critical`` globs (``app::nodeid``; a matrix variant's results match by their own
application's name or the one it is a variant of) or carrying its application's ``critical``
markers; it must end ``passed`` or ``flaky``.
"""

from __future__ import annotations

import fnmatch
import time
from collections import Counter
from collections.abc import Callable, Mapping

from orch.core.run.phase_planning import PhaseLayout
from orch.core.run.phase_variants import variants
from orch.core.run.plan import Step
from orch.core.run.results import Results
from orch.core.run.scheduler import Scheduler
from orch.core.shared.outcomes import RETRYABLE
from orch.core.workflow.model import Workflow
from orch.ports import (
    HistoryStore,
    NodeFinish,
    Outcome,
    OutcomeHistory,
    PlanNode,
    TestResult,
    qualified_id,
)
from orch.ports.phases import (
    GATE_PREFIX,
    GateVerdict,
    PhaseRecord,
    PhaseSpec,
    combination_label,
)

PASSING = (Outcome.PASSED, Outcome.FLAKY)
SHOWN = 3
"""How many test ids a gate's reason names before it says how many more."""


class Gates:
    """Judges the phases of ``workflow`` (planned as ``layout``) from ``results``."""

    def __init__(
        self,
        workflow: Workflow,
        layout: PhaseLayout,
        results: Results,
        store: HistoryStore,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workflow = workflow
        self.phases = {phase.name: phase for phase in workflow.phases}
        self.layout = layout
        self.results = results
        self.store = store
        self.clock = clock
        self.verdicts: dict[str, GateVerdict] = {}
        self._seconds: dict[str, float] = {}
        self._last_run: dict[str, Mapping[str, OutcomeHistory]] = {}
        self._base = {
            variant.name: app.name
            for phase in workflow.phases
            for app in workflow.applications
            for variant in variants((app,), phase)
        }

    def judge(self, node: PlanNode, began: Mapping[str, float]) -> GateVerdict:
        """The verdict of the gate ``node``, its phase's nodes all ended (those that started
        at the times ``began`` holds)."""
        phase = self.phases[node.id.removeprefix(GATE_PREFIX)]
        gate = phase.gate
        results = self.of(phase.name)
        passed, counted = _tally(results)
        reasons = []
        wanted = gate.min_pass_rate
        if wanted is not None and counted and 100 * passed < wanted * counted:
            reasons.append(
                f"pass rate {100 * passed / counted:.1f}% is below {wanted:g}% "
                f"({passed} of {counted} passed)"
            )
        if gate.no_new_failures:
            new = [r.id for r in results if r.outcome in RETRYABLE and self._new(r)]
            if new:
                reasons.append(f"{len(new)} new failure(s): {_some(new)}")
        failing = [r.id for r in results if self._critical(phase, r) and r.outcome not in PASSING]
        if failing:
            reasons.append(f"critical test(s) did not pass: {_some(failing)}")
        starts = [began[node_id] for node_id in self.layout[phase.name].nodes if node_id in began]
        seconds = self.clock() - min(starts) if starts else 0.0
        self._seconds[phase.name] = seconds
        if gate.max_duration is not None and seconds > gate.max_duration:
            reasons.append(
                f"took {seconds:.1f} s, more than its max_duration {gate.max_duration:g} s"
            )
        halted = bool(reasons) and gate.on_fail == "halt"
        verdict = GateVerdict(not reasons, tuple(reasons), halted)
        self.verdicts[phase.name] = verdict
        return verdict

    def close(
        self, step: Step, began: Mapping[str, float], scheduler: Scheduler
    ) -> tuple[NodeFinish, list[tuple[PlanNode, str]]]:
        """Judge the gate of ``step`` (handed out by ``scheduler``): how it finished, and the
        nodes it blocks: the phases after it when it failed, with ``on_fail: halt`` every node
        that has not begun."""
        node = step.node
        verdict = self.judge(node, began)
        scheduler.done(step)
        why = ""
        if not verdict.passed:
            why = f"gate '{node.id.removeprefix(GATE_PREFIX)}' failed: {'; '.join(verdict.reasons)}"
            self.results.problem(why + ("; the run halted" if verdict.halted else ""))
        outcome = Outcome.FAILED if verdict.halted else Outcome.PASSED
        blocked = scheduler.finished(node.id, outcome, why)
        if verdict.halted:
            blocked += [(stopped, why) for stopped in scheduler.halt(began)]
        return NodeFinish(outcome, why), blocked

    def of(self, phase: str) -> list[TestResult]:
        """The final results of ``phase``'s tests so far."""
        planned = self.layout[phase]
        finals = self.results.finals
        found = {key: finals[key] for key in sorted(planned.tests) if key in finals}
        for result in finals.values() if planned.apps else ():  # those it ran whole
            if result.app in planned.apps:
                found.setdefault((result.app, result.nodeid), result)
        for node_id in planned.nodes:
            for result in self.results.by_node.get(node_id, []):
                found.setdefault((result.app, result.nodeid), result)
        return list(found.values())

    def records(self) -> tuple[PhaseRecord, ...]:
        """Each phase as it went (its gate's verdict None when it was never judged)."""
        records = []
        for phase in self.workflow.phases:
            results = self.of(phase.name)
            outcomes = Counter(result.outcome.value for result in results)
            combinations = tuple(
                combination_label(combination)
                for combination in phase.combinations()
                if combination
            )
            records.append(
                PhaseRecord(
                    phase.name,
                    phase.strategy,
                    combinations,
                    dict(sorted(outcomes.items())),
                    _rate(*_tally(results)),
                    self._seconds.get(phase.name, 0.0),
                    self.verdicts.get(phase.name),
                    phase.gate.on_fail,
                )
            )
        return tuple(records)

    @property
    def failed(self) -> bool:
        """Whether a gate found its phase wanting."""
        return any(not verdict.passed for verdict in self.verdicts.values())

    def _new(self, result: TestResult) -> bool:
        if result.app not in self._last_run:
            self._last_run[result.app] = self.store.outcome_history(result.app, runs=1)
        history = self._last_run[result.app].get(result.nodeid)
        return history is None or not history.failures

    def _critical(self, phase: PhaseSpec, result: TestResult) -> bool:
        markers = self.workflow.app(result.app).select.critical_markers
        if any(marker in result.markers for marker in markers):
            return True
        ids = {result.id, qualified_id(self._base.get(result.app, result.app), result.nodeid)}
        return any(fnmatch.fnmatchcase(i, glob) for glob in phase.gate.critical for i in ids)


def gates_for(
    workflow: Workflow, layout: PhaseLayout, results: Results, store: HistoryStore
) -> Gates | None:
    """The gates of ``workflow``'s phases (None: it has none)."""
    return Gates(workflow, layout, results, store) if workflow.phases else None


def _tally(results: list[TestResult]) -> tuple[int, int]:
    """How many of ``results`` passed (flaky too), and how many count (not skipped)."""
    counted = [result for result in results if result.outcome is not Outcome.SKIPPED]
    return sum(result.outcome in PASSING for result in counted), len(counted)


def _rate(passed: int, counted: int) -> float | None:
    return round(100.0 * passed / counted, 1) if counted else None


def _some(ids: list[str]) -> str:
    shown = ", ".join(ids[:SHOWN])
    return shown + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")
