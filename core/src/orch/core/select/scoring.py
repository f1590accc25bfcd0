"""The risk score that orders selected tests, and test counts as the runner runs them.

Higher runs first: how directly the change reaches the test (its strongest reason), whether it
is marked critical, how often it failed or flaked lately, and how fast it is (fast first, to
fail fast).
"""

from __future__ import annotations

from collections.abc import Iterable

from orch.ports import OutcomeHistory

WEIGHTS = {
    "new": 6.0,
    "test-changed": 5.0,
    "covers": 4.0,
    "direct": 3.0,
    "mapping": 3.0,
    "transitive": 2.0,
    "history": 2.0,
    "whole-app": 1.0,
    "always-run": 1.0,
    "critical": 0.0,
}
"""How strongly each kind of reason says "this test is at risk" (the base of the risk score)."""


def risk_score(kinds: Iterable[str], history: OutcomeHistory | None, seconds: float) -> float:
    """The score of a test selected for reasons of ``kinds``, with its recent ``history`` and its
    duration in ``seconds``."""
    kinds = list(kinds)
    base = max((WEIGHTS[kind] for kind in kinds), default=0.0)
    base += 1.0 if "critical" in kinds else 0.0
    history = history or OutcomeHistory()
    speed = 1.0 / (1.0 + seconds)
    return round(base + 3.0 * history.failure_rate + 1.0 * history.flaky_rate + speed, 3)


class Cases:
    """Counts tests as the runner runs them: a parametrised test ``name[case]`` listed by its
    name counts each of its cases that a run recorded (one when none was), and a case whose
    test is listed too counts once."""

    def __init__(self, recorded: Iterable[str]) -> None:
        self.per_test: dict[str, int] = {}
        for nodeid in recorded:
            test, bracket, _ = nodeid.partition("[")
            if bracket:
                self.per_test[test] = self.per_test.get(test, 0) + 1

    def of(self, nodeids: Iterable[str]) -> int:
        """How many tests running ``nodeids`` runs."""
        listed = set(nodeids)
        total = 0
        for nodeid in listed:
            test, bracket, _ = nodeid.partition("[")
            if not bracket:
                total += self.per_test.get(nodeid, 1)
            elif test not in listed:
                total += 1
        return total


def duration_of(durations: dict[str, float], nodeid: str) -> float:
    """How long ``nodeid`` took: its own time, or the sum of its recorded cases."""
    if nodeid in durations:
        return durations[nodeid]
    prefix = nodeid + "["
    matching = [seconds for name, seconds in durations.items() if name.startswith(prefix)]
    return sum(matching) if matching else 0.0
