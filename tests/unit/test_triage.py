"""The triage use case with fakes: history status, suggestions, routing, and the store's memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core.triage.analysis import outcomes_at, results_of_files, triage
from orch.core.workflow.codeowners import parse_codeowners
from orch.ports import (
    Application,
    ConfigError,
    FailureStanding,
    Outcome,
    Progress,
    Routing,
    RunRecord,
    RunState,
    Standing,
    TestResult,
    TriageSettings,
)
from orch.testing.fakes import FakeParser, FakeStore

TRACE = """Traceback (most recent call last):
  File "tests/test_pay.py", line 9, in test_refund
    assert refund(5) == 5
  File "src/payment/processor.py", line 52, in refund
    return connect().send(amount)
ConnectionRefusedError: [Errno 111] Connection refused
"""


def failing(nodeid: str, outcome: Outcome = Outcome.FAILED) -> TestResult:
    message = "ConnectionRefusedError: [Errno 111] Connection refused"
    return TestResult("pay", nodeid, outcome, message=message, longrepr=TRACE)


def test_history_routing_and_suggestions():
    store = FakeStore()
    for run_id, commit, started in (("base", "c0", 1.0), ("r1", "c1", 2.0), ("r2", "c1", 3.0)):
        store.create_run(RunRecord(run_id, "w", commit, started))
    store.record(
        "base", Progress(finals=[TestResult("pay", "tests/test_pay.py::test_a", Outcome.PASSED)])
    )
    store.update_run("base", status=RunState.FINISHED)
    settings = TriageSettings(
        routing=Routing(
            {"out_of_memory": "infra"},
            tuple(parse_codeowners("apps/pay/src/ @payments\n")),
            "qa",
        )
    )
    first = triage(
        [failing("tests/test_pay.py::test_a"), failing("tests/test_pay.py::test_b")],
        settings,
        store=store,
        run_id="r1",
        commit="c1",
        before=outcomes_at(store, ["pay"], "c0"),
        changed=[("pay", "src/payment/processor.py")],
        owner_paths={"pay": "apps/pay/"},
    )
    by_test = {f.result.nodeid: f for f in first.failures}
    assert (
        by_test["tests/test_pay.py::test_a"].history.status is Standing.REGRESSION
    )  # passed at the base
    assert by_test["tests/test_pay.py::test_b"].history == FailureStanding(Standing.NEW)
    a = by_test["tests/test_pay.py::test_a"]
    assert a.category == "connection_refused" and a.defect_type == "environment_issue"
    assert a.suggestion.startswith("likely caused by your change to src/payment/processor.py:52")
    assert a.assigned_to == "@payments"
    assert len(first.clusters) == 1 and first.clusters[0].share == 1.0

    second = triage(
        [failing("tests/test_pay.py::test_b"), failing("tests/test_pay.py::test_c", Outcome.FLAKY)],
        settings,
        store=store,
        run_id="r2",
        commit="c1",
    )
    statuses = {f.result.nodeid: str(f.history) for f in second.failures}
    assert statuses == {"tests/test_pay.py::test_b": "known", "tests/test_pay.py::test_c": "flaky"}
    remembered = store.failure_history([a.fingerprint])[a.fingerprint]
    assert (remembered.occurrences, remembered.runs) == (4, 2)


def test_nothing_failing_gives_an_empty_report():
    report = triage([TestResult("pay", "t", Outcome.PASSED)], TriageSettings())
    assert report.failures == () and report.clusters == ()
    assert report.as_json() == {"failures": [], "clusters": []}


def test_a_flaky_failure_says_how_often_it_flaked_lately():
    store = FakeStore()
    for index, outcome in enumerate([Outcome.FLAKY, Outcome.PASSED, Outcome.PASSED, Outcome.FLAKY]):
        store.create_run(RunRecord(f"r{index}", "w", "c", float(index)))
        store.record(f"r{index}", Progress(finals=[TestResult("pay", "t", outcome)]))
        store.update_run(f"r{index}", status=RunState.FINISHED)
    flaky = TestResult("pay", "t", Outcome.FLAKY, message="passed on attempt 2")
    [failure] = triage([flaky], TriageSettings(), store=store).failures
    assert failure.history == FailureStanding(Standing.FLAKY, flaky_rate=0.5)
    assert str(failure.history) == "flaky, 50% of recent runs"


def test_result_files_belong_to_the_application_whose_path_holds_them(tmp_path: Path) -> None:
    """Issue 7 item 12: every file's tests were named after the file (``junit::``)."""
    web = Application("web", tmp_path / "apps/web", "command")
    cart = Application("cart", tmp_path / "apps/web/cart", "command")
    rows = [("loads", "failed", f"cannot read {tmp_path}/apps/web/cart/src/x.js:3")]
    files = {
        "apps/web/out/results.txt": rows,
        "apps/web/cart/out/results.txt": rows,
        "elsewhere/results.txt": [("loads", "passed")],
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(FakeParser.render(content))
    paths = [tmp_path / name for name in files]
    found = results_of_files(paths, [FakeParser()], [web, cart])
    assert [r.id for r in found] == ["web::loads", "cart::loads", "results::loads"]
    assert found[1].message == "cannot read src/x.js:3", "paths relative to the app"
    assert found[0].message == "cannot read cart/src/x.js:3"
    named = results_of_files(paths[2:], [FakeParser()], [web, cart], app="web")
    assert [r.id for r in named] == ["web::loads"]
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ConfigError, match="notes.txt: not a result file orch can read"):
        results_of_files([tmp_path / "notes.txt"], [FakeParser()], [web])
