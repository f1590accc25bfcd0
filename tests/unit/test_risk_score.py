"""The risk score orders selected tests: direct impact, criticality, failure history, speed."""

from __future__ import annotations

from orch.core.select.scoring import Cases, duration_of, risk_score
from orch.ports import OutcomeHistory


def test_direct_impact_outranks_transitive():
    assert risk_score(["direct"], None, 1.0) > risk_score(["transitive"], None, 1.0)


def test_the_strongest_reason_counts():
    assert risk_score(["transitive", "covers"], None, 0.0) == risk_score(["covers"], None, 0.0)


def test_critical_marker_adds_a_point():
    assert risk_score(["direct", "critical"], None, 0.0) == risk_score(["direct"], None, 0.0) + 1


def test_recent_failures_and_flakiness_raise_the_score():
    calm = risk_score(["transitive"], OutcomeHistory(runs=10), 0.5)
    failing = risk_score(["transitive"], OutcomeHistory(runs=10, failures=5), 0.5)
    flaky = risk_score(["transitive"], OutcomeHistory(runs=10, flaky=5), 0.5)
    assert failing > flaky > calm


def test_faster_tests_first_among_equals():
    assert risk_score(["direct"], None, 0.01) > risk_score(["direct"], None, 30.0)


def test_cases_count_as_the_runner_runs_them():
    cases = Cases(["t.py::a[1]", "t.py::a[2]", "t.py::b"])
    assert cases.of(["t.py::a"]) == 2  # each recorded case of a listed function
    assert cases.of(["t.py::a[1]"]) == 1  # one case listed alone
    assert cases.of(["t.py::a", "t.py::a[1]"]) == 2  # a case whose function is listed too
    assert cases.of(["t.py::b", "t.py::c"]) == 2  # one each, recorded or not


def test_a_tests_duration_is_its_own_or_its_cases():
    durations = {"t.py::a[1]": 0.5, "t.py::a[2]": 0.25, "t.py::b": 2.0}
    assert duration_of(durations, "t.py::b") == 2.0
    assert duration_of(durations, "t.py::a") == 0.75
    assert duration_of(durations, "t.py::never") == 0.0
