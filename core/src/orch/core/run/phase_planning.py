"""A run's phases in its plan (``orch.ports.phases``): each phase's tests planned as nodes of
their own, waiting for the gates of the phases it depends on, and a gate node (kind ``gate``)
after them all, which the phases depending on it wait for.

Each test belongs to the first phase, in the order written, that selects it; a phase with the
``matrix`` strategy plans its tests once per combination, as the variant applications of
``orch.core.run.phase_variants``; ``sequential`` runs them in one process per application, one
application after another. An application whose runner runs it whole (no test list) goes to
the first phase that takes it without narrowing by path, marker or name, or names it. Tests
that no phase selects do not run, and the run says how many.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from attrs import evolve, field, frozen

from orch.core.run.flow_planning import step_node_id
from orch.core.run.phase_variants import variants
from orch.core.run.plan import Plan, Step, folder_safe
from orch.core.run.results import Results
from orch.core.workflow.model import Workflow
from orch.ports import Application, NodeKind, Outcome, PlanNode, Shard, TestCase
from orch.ports.phases import GATE_PREFIX, PhaseSpec


@frozen
class InPhase:
    """Where a batch of tests goes in the plan: node keys begin with ``prefix``, the nodes
    wait for ``waits``; ``sequential``: one after another; ``base`` the application a matrix
    variant is of; ``criticality`` the phase's declared one (a priority term)."""

    prefix: str = ""
    waits: tuple[str, ...] = ()
    sequential: bool = False
    base: str = ""
    criticality: int = 0


OWN = InPhase()
"""A run without phases: each application's tests planned as its own."""

AddTests = Callable[[Application, "list[TestCase] | None", InPhase], list[str]]
"""``ShardNodes.add_tests``: plans tests of an application, returns the node ids added."""


@frozen
class PhaseNodes:
    """What a phase planned: its nodes (before its gate) and the tests it took, as
    ``(application, nodeid)`` (a variant's application for a matrix)."""

    nodes: list[str] = field(factory=list)
    tests: set[tuple[str, str]] = field(factory=set)
    apps: set[str] = field(factory=set)
    """The applications it runs whole (a runner with no test list)."""


PhaseLayout = Mapping[str, PhaseNodes]


def gate_id(phase: str) -> str:
    """The id of phase ``phase``'s gate node."""
    return GATE_PREFIX + phase


def phase_key(phase: str) -> str:
    """The prefix of the phase's shard keys (a folder name: no slashes)."""
    return f"phase-{folder_safe(phase)}."


Key = tuple[str, str]
STANDS = (Outcome.PASSED, Outcome.FLAKY, Outcome.SKIPPED)
"""The outcomes of a resumed run's results that stand: the others run again."""


def rerun(results: Results, last_attempt: Mapping[Key, int]) -> dict[Key, int]:
    """Resuming: every final result that did not pass is forgotten, kept as an attempt, and
    its test runs again on its next one (its gate judges its phase anew). Each test's last
    attempt so far, these included."""
    last = dict(last_attempt)
    for key, result in list(results.finals.items()):
        if result.outcome not in STANDS:
            results.forget(key)
            results.recorder.attempt(result)
            last[key] = max(last.get(key, 0), result.attempt)
    return last


class PhasePlanning:
    """Plans the phases of ``workflow`` into ``plan`` through ``add`` (the planner's)."""

    def __init__(self, workflow: Workflow, plan: Plan, add: AddTests) -> None:
        self.workflow = workflow
        self.plan = plan
        self.add = add
        self.layout: dict[str, PhaseNodes] = {p.name: PhaseNodes() for p in workflow.phases}
        self.left_out: dict[str, int] = {}
        """Per application, how many of its tests no phase selected."""

    def add_tests(self, found: Mapping[str, list[TestCase] | None]) -> None:
        """Plan each phase's share of ``found`` (per application: its tests, highest risk
        first, or None for one its runner runs whole)."""
        taken: set[tuple[str, str]] = set()
        whole: set[str] = set()
        for phase in self.workflow.phases:
            for app in self.workflow.applications:
                if app.name not in found or not phase.select.takes_app(app.name):
                    continue
                tests = found[app.name]
                if tests is None:
                    if app.name in whole or (
                        phase.select.narrows and app.name not in phase.select.apps
                    ):
                        continue
                    whole.add(app.name)
                    mine = None
                else:
                    mine = [t for t in tests if phase.select.takes(t) and _key(t) not in taken]
                    taken.update(map(_key, mine))
                self._plan(phase, app, mine)
        self.left_out = {
            app: sum(_key(test) not in taken for test in tests)
            for app, tests in found.items()
            if tests is not None
        }

    def _plan(self, phase: PhaseSpec, app: Application, tests: list[TestCase] | None) -> None:
        """``tests`` of ``app`` in ``phase``, once per variant of it the phase runs."""
        planned = self.layout[phase.name]
        waits = tuple(gate_id(name) for name in phase.depends_on)
        sequential = phase.strategy == "sequential"
        for variant in variants((app,), phase):
            mine = None if tests is None else [evolve(t, app=variant.name) for t in tests]
            if mine is None:
                planned.apps.add(variant.name)
            else:
                planned.tests.update(map(_key, mine))
            after = planned.nodes[-1:] if sequential else []
            where = InPhase(phase_key(phase.name), waits, sequential, app.name, phase.criticality)
            added = self.add(variant, mine, where)
            if added and after:
                self._after(added[0], after[0])
            planned.nodes.extend(added)

    def add_gates(self, results: Results) -> None:
        """The flows each phase runs wait for the gates it waits for; then a gate per phase,
        after its nodes. The tests in no phase are said once per application."""
        for phase in self.workflow.phases:
            waits = tuple(gate_id(name) for name in phase.depends_on)
            planned = self.layout[phase.name]
            for flow in self.workflow.cross_app_tests:
                if flow.name not in phase.select.flows:
                    continue
                for step in flow.steps:
                    node_id = step_node_id(flow.name, step.id)
                    if node_id in self.plan.steps:
                        self._waits(node_id, waits)
                        planned.nodes.append(node_id)
            gate = PlanNode(
                gate_id(phase.name),
                NodeKind.GATE,
                None,
                f"gate {phase.name}",
                waits,
                tuple(planned.nodes),
            )
            self.plan.add(gate, Shard("", (), key=gate.id))
        for app, count in self.left_out.items():
            if count:
                results.problem(
                    f"phases: {count} test(s) of {app} are in no phase and did not run; add a "
                    "phase that selects them (select: {apps: [...], paths: [...]})"
                )

    def _after(self, node_id: str, before: str) -> None:
        step = self.plan.steps[node_id]
        node = evolve(step.node, after=(*step.node.after, before))
        self.plan.steps[node_id] = Step(node, step.shard)

    def _waits(self, node_id: str, waits: tuple[str, ...]) -> None:
        step = self.plan.steps[node_id]
        node = evolve(step.node, depends_on=(*step.node.depends_on, *waits))
        self.plan.steps[node_id] = Step(node, step.shard)


def _key(test: TestCase) -> Key:
    return (test.app, test.nodeid)
