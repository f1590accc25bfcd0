"""Phases of a run and their quality gates, as the workflow declares them (``phases:``).

A phase selects tests of one or more applications (by application, path, marker or name) and
runs them with a strategy: ``parallel`` (sharded over the workers, as a run without phases),
``sequential`` (one process per application, one application after another) or ``matrix``
(the same tests once per combination of declared parameters, each combination recorded and
reported apart). Phases wait for the phases they depend on; each ends at its gate, which
judges what it ran (pass rate, new failures, critical tests, duration) and, failing with
``on_fail: halt``, stops the run: what did not start is ``blocked`` by the gate.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Mapping

from attrs import frozen

from orch.ports.model import TestCase

STRATEGIES = ("parallel", "sequential", "matrix")
ON_FAIL = ("halt", "continue")
GATE_PREFIX = "gate:"
PHASE_PREFIX = "phase:"

MATRIX_ENVIRONMENT = "environment"
"""A matrix parameter of this name picks the environment its combination runs in (one declared
under ``environments:``) instead of only telling the tests through a variable."""
MATRIX_VARIABLE = "ORCH_MATRIX"
"""The variable a matrix combination's tests get (``db=14,os=linux``); each parameter also
comes as ``ORCH_MATRIX_<NAME>``."""

CRITICALITY = {"low": 0, "medium": 25, "high": 50, "critical": 100}
"""The declared business criticality of an application or a phase, as the priority term it
adds (a number 0-100 may be given instead)."""

PRIORITY_TERMS = ("failure_rate", "change_impact", "criticality")
"""The dynamic terms a shard's priority may add to its application's declared ``priority``
(``execution.priority``), each 0-100: the highest recent failure rate of its tests, the
highest change-impact score the selection gave them, and the declared criticality."""


@frozen
class PhaseSelect:
    """Which tests a phase takes: of ``apps`` (all when empty), each kind of criterion given
    must hold (a test's file matching one of ``paths``, globs; carrying one of ``markers``;
    its name matching one of ``names``, globs), and the ``flows`` of the workflow it runs."""

    apps: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()

    @property
    def narrows(self) -> bool:
        """Whether it chooses among an application's tests (not just applications)."""
        return bool(self.paths or self.markers or self.names)

    def takes_app(self, app: str) -> bool:
        return not self.apps or app in self.apps

    def takes(self, test: TestCase) -> bool:
        """Whether ``test`` (of an application it takes) is one of the phase's."""
        if not self.takes_app(test.app):
            return False
        file = test.file or test.nodeid.split("::", 1)[0]
        name = test.nodeid.rsplit("::", 1)[-1].split("[", 1)[0]
        return (
            (not self.paths or any(fnmatch.fnmatchcase(file, glob) for glob in self.paths))
            and (not self.markers or any(marker in test.markers for marker in self.markers))
            and (not self.names or any(fnmatch.fnmatchcase(name, glob) for glob in self.names))
        )


@frozen
class Gate:
    """What a phase must reach for the run to go on: ``min_pass_rate`` (percent of its tests
    that passed, flaky included, among those that did not skip), ``no_new_failures`` (no test
    failed that did not fail in its application's previous run), ``critical`` (tests, as
    ``app::nodeid`` globs, and those with their application's ``critical`` markers, that must
    pass), ``max_duration`` (seconds from the phase's first start to its end). ``on_fail``:
    ``halt`` stops the run, ``continue`` only says so."""

    min_pass_rate: float | None = None
    no_new_failures: bool = False
    critical: tuple[str, ...] = ()
    max_duration: float | None = None
    on_fail: str = "halt"


@frozen
class PhaseSpec:
    """One phase: its tests, what it waits for, how it runs them and its gate."""

    name: str
    select: PhaseSelect = PhaseSelect()
    depends_on: tuple[str, ...] = ()
    strategy: str = "parallel"
    matrix: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each parameter and its values, in the order written (``strategy: matrix``)."""
    gate: Gate = Gate()
    criticality: int = 0

    def combinations(self) -> list[dict[str, str]]:
        """Each combination of the matrix's values (one empty one without a matrix)."""
        names = [name for name, _ in self.matrix]
        return [
            dict(zip(names, values, strict=True))
            for values in itertools.product(*(values for _, values in self.matrix))
        ]


def combination_label(combination: Mapping[str, str]) -> str:
    """``db=14,os=linux``: how a matrix combination is named in ids and variables."""
    return ",".join(f"{name}={value}" for name, value in combination.items())


def variant_name(app: str, combination: Mapping[str, str]) -> str:
    """The application name a matrix combination's results are recorded under: ``app[db=14]``
    (itself without a combination)."""
    return f"{app}[{combination_label(combination)}]" if combination else app


@frozen
class GateVerdict:
    """What a phase's gate found: ``passed`` (nothing wrong), each ``reasons`` line otherwise,
    and whether it ``halted`` the run."""

    passed: bool
    reasons: tuple[str, ...] = ()
    halted: bool = False


@frozen
class PhaseRecord:
    """How a phase went: its strategy and combinations, its tests' counts by outcome, pass
    rate (percent; None when nothing ran), seconds from its first start to its gate, and its
    gate's verdict (None: the phase never reached its gate, it was blocked)."""

    name: str
    strategy: str
    combinations: tuple[str, ...]
    outcomes: Mapping[str, int]
    pass_rate: float | None
    seconds: float
    verdict: GateVerdict | None
    on_fail: str

    @property
    def gate(self) -> str:
        """``passed``, ``failed``, or ``blocked`` when the phase never reached its gate."""
        if self.verdict is None:
            return "blocked"
        return "passed" if self.verdict.passed else "failed"

    def as_json(self) -> dict[str, object]:
        verdict = self.verdict
        return {
            "name": self.name,
            "strategy": self.strategy,
            "combinations": list(self.combinations),
            "outcomes": dict(self.outcomes),
            "pass_rate": self.pass_rate,
            "seconds": round(self.seconds, 3),
            "gate": self.gate,
            "reasons": list(verdict.reasons) if verdict else [],
            "on_fail": self.on_fail,
            "halted": bool(verdict and verdict.halted),
        }


@frozen
class PriorityTerms:
    """How a shard's priority was made: its application's declared ``base`` plus each dynamic
    term in use (``PRIORITY_TERMS``, each 0-100); the scheduler runs higher totals first."""

    node: str
    app: str
    base: int
    terms: Mapping[str, int]

    @property
    def total(self) -> int:
        return self.base + sum(self.terms.values())

    def as_json(self) -> dict[str, object]:
        return {
            "node": self.node,
            "app": self.app,
            "base": self.base,
            **dict(self.terms),
            "total": self.total,
        }
