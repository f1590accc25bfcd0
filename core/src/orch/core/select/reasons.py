"""Reasons merged per test: every analysis adds what it found, each reason once with its kind;
the merged reasons become the selected tests, strongest reason first, scored."""

from __future__ import annotations

from collections.abc import Iterable

from attrs import define, field

from orch.core.select.scoring import WEIGHTS, duration_of, risk_score
from orch.ports import OutcomeHistory, Reach
from orch.ports.selection import SelectedTest


@define
class Reasons:
    """Reasons collected per nodeid of one application, each with its kind."""

    by_test: dict[str, dict[str, str]] = field(factory=dict)
    files: dict[str, str] = field(factory=dict)

    def add(self, nodeid: str, file: str, kind: str, text: str) -> None:
        """``nodeid`` (of test file ``file``) is at risk for the reason ``text`` of ``kind``."""
        self.by_test.setdefault(nodeid, {}).setdefault(text, kind)
        self.files[nodeid] = file

    def reached(self, reaches: Iterable[Reach]) -> None:
        """Add what a language's analysis found."""
        for reach in reaches:
            self.add(reach.nodeid, reach.file, reach.kind.value, reach.text)

    def tests(
        self,
        app: str,
        critical: dict[str, str],
        history: dict[str, OutcomeHistory],
        durations: dict[str, float],
    ) -> list[SelectedTest]:
        """The selected tests, highest risk first; ``critical`` maps nodeids to their marker."""
        tests = []
        for nodeid, reasons in self.by_test.items():
            if nodeid in critical:
                reasons.setdefault(f"critical: marker {critical[nodeid]}", "critical")
            ordered = sorted(reasons.items(), key=lambda item: -WEIGHTS[item[1]])
            score = risk_score(
                [kind for _, kind in ordered], history.get(nodeid), duration_of(durations, nodeid)
            )
            texts = tuple(text for text, _ in ordered)
            tests.append(SelectedTest(app, nodeid, self.files[nodeid], texts, score))
        tests.sort(key=lambda t: (-t.score, t.nodeid))
        return tests
