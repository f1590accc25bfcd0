"""Cross-application flows (``cross_app_tests:``): tests of several applications run as the steps
of one scenario, in order or as a graph, with values handed from one step's test to the next.

A ``FlowSpec`` is what the workflow declares, checked: its steps, each one test of one
application, what each waits for, when it runs at all, and the ``data_flow`` that carries a value
from a step's outputs (``user-service.test_login.return.token``) to an argument of a later step
(``payment-service.test_create_payment.headers.Authorization``). A value handed on makes its
consumer wait for its producer, as ``depends_on`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from orch.ports.conditions import WaitFor
from orch.ports.model import Outcome, TestResult

FLOW_MARKER = "flow:"
STEP_MARKER = "step:"
"""A flow step's result carries ``flow:NAME`` and ``step:ID`` among its markers."""

SOURCES = ("return", "outputs")
"""Where a step's values come from: what its test returned, or what it published (the
``orch_outputs`` fixture, the ``$ORCH_OUTPUTS`` file, JUnit ``<property>`` elements)."""


@frozen
class ValuePath:
    """One end of a hand-off: application, step, then ``part`` (for a source one of ``SOURCES``;
    for a target the argument it reaches, such as ``headers``) and the keys within it."""

    app: str
    step: str
    part: str
    keys: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ".".join((self.app, self.step, self.part, *self.keys))


@frozen
class Handoff:
    """A value named ``name`` carried from ``source`` to ``target``; the consumer receives it by
    that name too (``$ORCH_INPUTS``)."""

    name: str
    source: ValuePath
    target: ValuePath


@frozen
class Condition:
    """One ``when`` of a step: an earlier step's outcome is one of ``accepted`` (``subject`` a
    step id, ``on`` "outcome"), or a handed-on value equals one of them (``on`` "value",
    ``subject`` a ``data_flow`` name)."""

    on: str
    subject: str
    accepted: tuple[Any, ...]


@frozen
class FlowStep:
    """One test of one application within a flow. ``id`` is unique in the flow (by default the
    test's name: ``test_login`` of ``tests/test_auth.py::test_login``, ``Confirm.test`` of
    ``Confirm.test.js``); ``depends_on`` the ids it waits for (by default the step listed before
    it); every ``when`` must hold for it to run; ``timeout`` and ``retries`` override the
    application's for this step."""

    id: str
    app: str
    test: str
    depends_on: tuple[str, ...] = ()
    when: tuple[Condition, ...] = ()
    timeout: float | None = None
    retries: int | None = None
    wait_for: WaitFor = ()
    """State the systems must reach before it starts (``orch.ports.conditions``)."""


@frozen
class FlowSpec:
    """One flow: its name, its steps in the order written, its hand-offs."""

    name: str
    steps: tuple[FlowStep, ...]
    data_flow: tuple[Handoff, ...] = ()

    def step(self, step_id: str) -> FlowStep:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def waits_for(self, step_id: str) -> tuple[str, ...]:
        """Every step ``step_id`` waits for: ``must_pass`` and ``must_end``."""
        return (*self.must_pass(step_id), *self.must_end(step_id))

    def must_pass(self, step_id: str) -> tuple[str, ...]:
        """The steps that must pass before ``step_id`` runs: its ``depends_on``, the producers
        of its inputs and of the values its ``when`` reads (not those whose outcome it reads)."""
        step = self.step(step_id)
        read = {c.subject for c in step.when if c.on == "value"}
        producers = (
            h.source.step for h in self.data_flow if h.target.step == step_id or h.name in read
        )
        ended = self.must_end(step_id)
        waits = (s for s in (*step.depends_on, *producers) if s not in ended)
        return tuple(dict.fromkeys(waits))

    def must_end(self, step_id: str) -> tuple[str, ...]:
        """The steps whose outcome ``step_id``'s ``when`` reads: they must end first, however."""
        when = self.step(step_id).when
        return tuple(dict.fromkeys(c.subject for c in when if c.on == "outcome"))


def step_nodeid(flow: str, step: FlowStep) -> str:
    """The id of ``step``'s result: its test, with the flow and step in brackets as a
    parameter would be (``tests/test_auth.py::test_login[checkout:test_login]``), so the same
    test run by its application's suite and by a flow are two results."""
    return f"{step.test}[{flow}:{step.id}]"


def step_markers(flow: str, step: FlowStep) -> tuple[str, str]:
    return (FLOW_MARKER + flow, STEP_MARKER + step.id)


def step_of(result: TestResult) -> tuple[str, str] | None:
    """The flow and step ``result`` is of, None for a test of an application's own suite."""
    flow = next((m[len(FLOW_MARKER) :] for m in result.markers if m.startswith(FLOW_MARKER)), None)
    step = next((m[len(STEP_MARKER) :] for m in result.markers if m.startswith(STEP_MARKER)), None)
    return None if flow is None or step is None else (flow, step)


@frozen
class StepRecord:
    """What became of one step of a flow in a run: where it ran, when (wall-clock seconds
    since the epoch; None when it never started), how it ended and why, and the values it was
    given and published (redacted as the reports show them)."""

    flow: str
    step: str
    app: str
    test: str
    outcome: Outcome | None
    """None: it never ended (the run was stopped first)."""
    reason: str = ""
    environment: str | None = None
    started: float | None = None
    ended: float | None = None
    attempts: int = 0
    inputs: Mapping[str, Any] = field(factory=dict)
    outputs: Mapping[str, Any] = field(factory=dict)
    simulated: tuple[str, ...] = ()
    """The services of its environment that simulators stood in for while it ran."""

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "app": self.app,
            "test": self.test,
            "outcome": "not run" if self.outcome is None else self.outcome.value,
            "reason": self.reason,
            "environment": self.environment,
            "started_at": self.started,
            "ended_at": self.ended,
            "attempts": self.attempts,
            "inputs": dict(self.inputs),
            "outputs": dict(self.outputs),
            "simulated": list(self.simulated),
        }


@frozen
class FlowRecord:
    """A flow's run: its steps in the order written, and the first step that did not pass
    (where it broke), if any."""

    name: str
    steps: tuple[StepRecord, ...]

    @property
    def outcome(self) -> Outcome:
        """``passed`` when every step passed or was skipped by its ``when``, else how the
        step where it broke ended."""
        broke = self.broke_at
        return Outcome.PASSED if broke is None else broke.outcome  # type: ignore[return-value]

    @property
    def broke_at(self) -> StepRecord | None:
        fine = (Outcome.PASSED, Outcome.FLAKY, Outcome.SKIPPED)
        broke = (s for s in self.steps if s.outcome is not None and s.outcome not in fine)
        return next(broke, None)

    def as_json(self) -> dict[str, Any]:
        broke = self.broke_at
        return {
            "name": self.name,
            "outcome": self.outcome.value,
            "broke_at": None if broke is None else broke.step,
            "steps": [step.as_json() for step in self.steps],
        }
