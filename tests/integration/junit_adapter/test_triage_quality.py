"""Triage quality on failures nobody here wrote or tuned on (issue 13, item 4): the held-out
projects of the generated ground truth (tests/data/triage_truth), read by orch's JUnit parser
and triaged as ``orch triage FILES`` does. The floors keep the figures from sliding back; the
benchmark (tests/bench/triage_quality.py) prints them next to the four-regex baseline."""

from __future__ import annotations

import pytest
from triage_grading import Figures, figures, grade, held_out

FLOORS = {"accuracy": 0.91, "f1": 0.88}
"""Each held-out figure's floor, just under what it measures (accuracy 0.93, F1 0.92) and at
least the issue's goal (0.90, 0.70); each must also beat the baseline's (0.76 and 0.76)."""
TO_INVESTIGATE_CEILING = 0.05
"""Under the issue's goal (0.10): 0.00 is measured."""


@pytest.fixture(scope="module")
def graded() -> tuple[Figures, Figures]:
    labels = held_out()
    assert len(labels) >= 200, "the generated ground truth is part of the repository"
    ours, baseline, _ = grade(labels)
    print(f"\n{len(ours)} held-out failures")
    return figures(ours), figures(baseline)


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_held_out_figures_hold_their_floor_and_beat_the_baseline(graded, measure: str) -> None:
    ours, baseline = (getattr(side, measure) for side in graded)
    print(f"\n{measure} {ours:.3f} (baseline {baseline:.3f}, floor {FLOORS[measure]})")
    assert ours >= FLOORS[measure]
    assert ours > baseline


def test_few_held_out_failures_are_left_to_investigate(graded) -> None:
    ours = graded[0]
    print(
        f"\nto_investigate {ours.to_investigate:.3f}, {ours.clusters} clusters for "
        f"{ours.root_causes} root causes"
    )
    assert ours.to_investigate <= TO_INVESTIGATE_CEILING
