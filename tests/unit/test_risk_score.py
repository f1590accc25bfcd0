"""The risk score orders selected tests: direct impact, criticality, failure history, speed."""

from __future__ import annotations

from orch.core.select.recorded import RecentOutcomes
from orch.core.select.scoring import risk_score


def test_direct_impact_outranks_transitive():
    assert risk_score(["direct"], None, 1.0) > risk_score(["transitive"], None, 1.0)


def test_the_strongest_reason_counts():
    assert risk_score(["transitive", "covers"], None, 0.0) == risk_score(["covers"], None, 0.0)


def test_critical_marker_adds_a_point():
    assert risk_score(["direct", "critical"], None, 0.0) == risk_score(["direct"], None, 0.0) + 1


def test_recent_failures_and_flakiness_raise_the_score():
    calm = risk_score(["transitive"], RecentOutcomes(10, 0, 0), 0.5)
    failing = risk_score(["transitive"], RecentOutcomes(10, 5, 0), 0.5)
    flaky = risk_score(["transitive"], RecentOutcomes(10, 0, 5), 0.5)
    assert failing > flaky > calm


def test_faster_tests_first_among_equals():
    assert risk_score(["direct"], None, 0.01) > risk_score(["direct"], None, 30.0)
