"""Cross-application flows (``cross_app_tests:``): tests of several applications run as the steps
of one scenario, in order or as a graph, with values handed from one step's test to the next.

A ``FlowSpec`` is what the workflow declares, checked: its steps, each one test of one
application, what each waits for, when it runs at all, and the ``data_flow`` that carries a value
from a step's outputs (``user-service.test_login.return.token``) to an argument of a later step
(``payment-service.test_create_payment.headers.Authorization``). A value handed on makes its
consumer wait for its producer, as ``depends_on`` does.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

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
        """The steps ``step_id`` waits for: its ``depends_on`` and the producers of its inputs."""
        producers = (h.source.step for h in self.data_flow if h.target.step == step_id)
        return tuple(dict.fromkeys((*self.step(step_id).depends_on, *producers)))
