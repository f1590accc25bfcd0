"""A simulator's checked expectations as results of the run: one passed or failed result per
route of the first application waiting for the environment, saying what was expected and what
was sent (redacted); nothing checked, and why said once, when the environment was replaced or a
resumed run saw only part of the requests; a resumed run's checks adding the earlier calls and
replacing the earlier results."""

from __future__ import annotations

from pathlib import Path

from orch.core import Workflow
from orch.core.run.expectation_results import ExpectationResults, message
from orch.core.run.recorder import Recorder
from orch.core.run.results import Results
from orch.core.run.retry import RetryPolicy
from orch.core.shared.redaction import redactor_for
from orch.ports import Application, EnvironmentSpec, Outcome, RunRecord, TestResult
from orch.ports.observer import Silent
from orch.ports.simulator import Expectation, ExpectationCheck, expectation_of
from orch.testing.fake_runner import FakeClock
from orch.testing.fakes import FakeStore

SECRET = "tok-5f1e2d3c4b5a"
ONCE = Expectation(1, 1)


def _workflow(root: Path) -> Workflow:
    pay = Application("pay", root, "fake", environment="it", env={"TOKEN": SECRET})
    apps = (pay, Application("lone", root, "fake"))
    return Workflow(applications=apps, environments=(EnvironmentSpec("it"),), root=root)


def _results(tmp_path: Path, carried: tuple[TestResult, ...] = ()) -> Results:
    workflow = _workflow(tmp_path)
    store = FakeStore()
    store.create_run(RunRecord(id="r1", workflow="w", commit="", started_at=0.0))
    recorder = Recorder(store, "r1", Silent(), FakeClock(0.01))
    redactor = redactor_for(workflow.applications)
    results = Results(workflow, redactor, RetryPolicy(workflow.execution), recorder, Silent())
    results.carry(carried)
    return results


def _expectations(tmp_path: Path, results: Results) -> ExpectationResults:
    return ExpectationResults(_workflow(tmp_path), results, tmp_path)


def _check(
    calls: int, *received: str, route: str = "POST /charges", expect: Expectation = ONCE
) -> ExpectationCheck:
    return ExpectationCheck("it", "bank", route, expect, calls, received)


def test_each_check_is_a_result_of_the_application_saying_what_was_sent(tmp_path: Path):
    results = _results(tmp_path)
    sent = f"POST /charges/{SECRET} 201"
    more = _check(2, "POST /x 200", "POST /x 200", route="POST /x", expect=Expectation(3))
    checks = [_check(1, sent), more]
    _expectations(tmp_path, results).record("it", "pay", checks, replaced=False)
    passed, failed = results.finals.values()
    assert (passed.app, passed.nodeid, passed.outcome) == (
        "pay",
        "simulator:bank::expect POST /charges",
        Outcome.PASSED,
    )
    assert passed.message == "simulator 'bank' expected POST /charges exactly 1 time, got 1: " + (
        "POST /charges/*** 201"
    )
    assert failed.outcome is Outcome.FAILED and failed.message == (
        "simulator 'bank' expected POST /x at least 3 times, got 2: POST /x 200, POST /x 200"
    )
    assert expectation_of(failed) == "bank" and results.counts().failed == 1
    assert SECRET not in (tmp_path / "expectations.jsonl").read_text()


def test_a_message_says_what_no_route_answered_and_why_a_record_could_not_be_read():
    none = ExpectationCheck("it", "bank", "POST /charges", ONCE, 0, (), ("POST /charge 404",))
    assert message(none) == (
        "simulator 'bank' expected POST /charges exactly 1 time, got 0; no route answered "
        "POST /charge 404"
    )
    unread = ExpectationCheck("it", "bank", "GET /x", Expectation(0, 0), problem="it is not up")
    assert message(unread) == (
        "simulator 'bank' expected GET /x never; its requests could not be read: it is not up"
    )
    many = _check(12, *["POST /charges 201"] * 10)
    assert message(many).endswith("POST /charges 201 and 2 more")


def test_a_replaced_environment_is_not_checked_and_the_run_says_why(tmp_path: Path):
    results = _results(tmp_path)
    _expectations(tmp_path, results).record("it", "pay", [_check(0)], replaced=True)
    assert not results.finals
    assert results.problems == [
        "environment 'it': its simulators' expectations were not checked: it was replaced "
        "during the run, and what was sent before went with it"
    ]


def test_a_resumed_run_that_saw_part_of_the_requests_checks_nothing(tmp_path: Path):
    carried = (TestResult("pay", "t1", Outcome.PASSED),)
    results = _results(tmp_path, carried)
    _expectations(tmp_path, results).record("it", "pay", [_check(0)], replaced=False)
    assert list(results.finals) == [("pay", "t1")]
    assert "this resumed run sent only part of the requests" in results.problems[0]


def test_a_resumed_run_adds_the_earlier_calls_and_checks_again(tmp_path: Path):
    first = _results(tmp_path)
    _expectations(tmp_path, first).record("it", "pay", [_check(0)], replaced=False)
    (earlier,) = first.finals.values()
    assert earlier.outcome is Outcome.FAILED
    carried = (TestResult("pay", "t1", Outcome.PASSED), earlier)
    resumed = _results(tmp_path, carried)
    checks = [_check(1, "POST /charges 201")]
    _expectations(tmp_path, resumed).record("it", "pay", checks, replaced=False)
    again = resumed.finals[("pay", earlier.nodeid)]
    assert (again.outcome, again.attempt) == (Outcome.PASSED, 2)
    third = _results(tmp_path, (TestResult("pay", "t1", Outcome.PASSED), again))
    _expectations(tmp_path, third).record("it", "pay", checks, replaced=False)
    last = third.finals[("pay", earlier.nodeid)]
    assert (last.outcome, last.attempt) == (Outcome.FAILED, 3)
    assert last.message.endswith("got 2: POST /charges 201, POST /charges 201")


def test_an_environment_without_expectations_records_nothing(tmp_path: Path):
    results = _results(tmp_path)
    _expectations(tmp_path, results).record("it", "pay", [], replaced=True)
    assert not results.finals and not results.problems
    assert not (tmp_path / "expectations.jsonl").exists()
