"""The run use case with fakes: retries, flaky, timeouts, crashes, priorities, resume, exits."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import evolve
from fake_run import fake_session

from orch.core import Workflow
from orch.core.shared.outcomes import ExitCode
from orch.ports import (
    Application,
    ConfigError,
    Execution,
    Outcome,
    Progress,
    RunRecord,
    TestResult,
)
from orch.ports.observer import Silent
from orch.ports.selection import AppSelection, SelectedTest, Selection
from orch.testing.fake_runner import CRASH, HANG, FakeClock, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore


def make_workflow(tmp_path: Path, apps=("app",), priorities=None, **execution) -> Workflow:
    priorities = priorities or {}
    return Workflow(
        applications=tuple(
            Application(name, tmp_path, "fake", priority=priorities.get(name, 0)) for name in apps
        ),
        execution=Execution(**{"workers": 2, **execution}),
        root=tmp_path,
    )


def session(tmp_path, runner, store=None, clock=None, **execution):
    apps = tuple(runner.tests)
    workflow = make_workflow(tmp_path, apps, execution.pop("priorities", None), **execution)
    return fake_session(workflow, runner, store, clock)


def outcomes(result) -> dict[str, str]:
    return {r.nodeid: r.outcome.value for r in result.results}


def test_all_pass_exit_zero(tmp_path):
    runner = FakeRunner({"app": [FakeTest(f"t{i}") for i in range(10)]})
    result = session(tmp_path, runner).execute()
    assert result.exit_code is ExitCode.OK
    assert result.counts.passed == 10 and result.counts.done == 10


def test_failures_without_retries_fail_the_run(tmp_path):
    runner = FakeRunner({"app": [FakeTest("ok"), FakeTest("bad", ("failed",))]})
    result = session(tmp_path, runner).execute()
    assert outcomes(result) == {"ok": "passed", "bad": "failed"}
    assert result.exit_code is ExitCode.TESTS_FAILED
    assert [f.result.nodeid for f in result.failed_tests] == ["bad"]


def test_pass_on_retry_is_flaky_and_keeps_the_first_failure(tmp_path):
    runner = FakeRunner(
        {"app": [FakeTest("flaky", ("failed", "passed")), FakeTest("bad", ("failed",))]}
    )
    store = FakeStore()
    result = session(tmp_path, runner, store, retries=2).execute()
    assert outcomes(result) == {"flaky": "flaky", "bad": "failed"}
    flaky = next(r for r in result.results if r.nodeid == "flaky")
    assert "attempt 1 failed" in flaky.message and flaky.attempt == 2
    bad = next(r for r in result.results if r.nodeid == "bad")
    assert bad.attempt == 3
    attempts = sorted((a.nodeid, a.attempt) for a in store.attempts(result.run_id))
    assert attempts == [("bad", 1), ("bad", 2), ("flaky", 1)]  # the retried ones


def test_a_hanging_test_times_out_and_the_rest_of_its_shard_still_runs(tmp_path):
    tests = [FakeTest("a", file="f.py"), FakeTest("hang", (HANG,), file="f.py")]
    tests += [FakeTest(f"z{i}", file="f.py") for i in range(3)]
    runner = FakeRunner({"app": tests})
    executor_session = session(tmp_path, runner, timeout=1.0, workers=1)
    result = executor_session.execute()
    assert outcomes(result) == {
        "a": "passed",
        "hang": "timeout",
        "z0": "passed",
        "z1": "passed",
        "z2": "passed",
    }
    hang = next(r for r in result.results if r.nodeid == "hang")
    assert "per-test timeout of 1s" in hang.message
    assert -9 in [p.returncode for p in executor_session.executor.started]


def test_a_crash_marks_the_running_test_and_reruns_the_remainder(tmp_path):
    tests = [FakeTest("a", file="f.py"), FakeTest("boom", (CRASH,), file="f.py")]
    tests += [FakeTest("after", file="f.py")]
    runner = FakeRunner({"app": tests})
    result = session(tmp_path, runner, workers=1).execute()
    assert outcomes(result) == {"a": "passed", "boom": "error", "after": "passed"}
    boom = next(r for r in result.results if r.nodeid == "boom")
    assert "died while running this test (killed by SIGSEGV: Segmentation fault)" in boom.message


def test_shard_timeout_times_out_what_did_not_run(tmp_path):
    tests = [FakeTest("hang", (HANG,), file="f.py"), FakeTest("never", file="f.py")]
    runner = FakeRunner({"app": tests})
    result = session(tmp_path, runner, workers=1, shard_timeout=2.0).execute()
    assert outcomes(result) == {"hang": "timeout", "never": "timeout"}
    assert all("shard exceeded its timeout of 2s" in r.message for r in result.results)


def test_higher_priority_apps_are_dispatched_first_fifo_on_ties(tmp_path):
    runner = FakeRunner({name: [FakeTest(f"{name}_t")] for name in ("low", "high", "mid", "mid2")})
    run = session(
        tmp_path, runner, workers=1, priorities={"high": 5, "mid": 1, "mid2": 1, "low": 0}
    )
    run.execute()
    assert [p.app for p in run.executor.started] == ["high", "mid", "mid2", "low"]


def test_resume_runs_only_what_was_not_recorded_and_totals_match(tmp_path):
    tests = [FakeTest(f"t{i}", file=f"f{i % 3}.py") for i in range(9)]
    tests.append(FakeTest("flaky", ("failed", "passed"), file="f0.py"))
    runner = FakeRunner({"app": tests})
    uninterrupted = session(tmp_path, runner, retries=1).execute()

    store = FakeStore()
    store.create_run(RunRecord(id="r1", workflow="w", commit="", started_at=0.0))
    done = [TestResult("app", f"t{i}", Outcome.PASSED) for i in range(4)]
    first_try = TestResult("app", "flaky", Outcome.FAILED, message="boom")
    store.record("r1", Progress(attempts=[*done, first_try], finals=done))
    resumed_runner = FakeRunner({"app": tests})
    resumed = session(tmp_path, resumed_runner, store, retries=1).execute(resume="r1")
    ran = {n for p in session_processes(resumed_runner) for n in p}
    assert ran == {f"t{i}" for i in range(4, 9)} | {"flaky"}
    assert resumed.counts == uninterrupted.counts
    assert outcomes(resumed)["flaky"] == "flaky"
    assert len(store.final_results("r1")) == 10


def session_processes(runner):
    return [argv for argv in runner.commands]


def test_nothing_to_run_exits_five(tmp_path):
    result = session(tmp_path, FakeRunner({"app": []})).execute()
    assert result.exit_code is ExitCode.NOTHING_SELECTED


def test_every_result_is_persisted_and_the_run_finished(tmp_path):
    store = FakeStore()
    runner = FakeRunner({"a": [FakeTest("x"), FakeTest("y", ("failed",))], "b": [FakeTest("z")]})
    result = session(tmp_path, runner, store).execute()
    assert {(r.app, r.nodeid) for r in store.final_results(result.run_id)} == {
        ("a", "x"),
        ("a", "y"),
        ("b", "z"),
    }
    record = store.get_run(result.run_id)
    assert record.status == "finished" and record.exit_code == 1
    assert store.running(result.run_id) == []
    assert store.durations("a") == {"x": 0.01}


def test_a_selection_narrows_the_run_and_dispatches_highest_risk_first(tmp_path):
    tests = [FakeTest(f"t{i}", file="f.py") for i in range(5)]
    runner = FakeRunner({"app": tests})
    chosen = (
        SelectedTest("app", "t3", "f.py", ("imports x",), 2.0),
        SelectedTest("app", "t1", "f.py", ("covers x",), 5.0),
        SelectedTest("app", "t4", "f.py", ("new test",), 7.0),
    )
    selection = Selection("base", None, {"app": AppSelection("app", chosen)})
    run = fake_session(make_workflow(tmp_path, workers=1), runner, selection=selection)
    result = run.execute()
    assert runner.commands == [("t4", "t1", "t3")]
    assert result.counts.passed == 3


def test_a_hang_times_out_by_default_after_300s(tmp_path):
    runner = FakeRunner({"app": [FakeTest("hang", (HANG,)), FakeTest("after")]})
    result = session(tmp_path, runner, clock=FakeClock(1.0), workers=1).execute()
    assert outcomes(result) == {"hang": "timeout", "after": "passed"}
    assert "per-test timeout of 300s" in result.results[-1].message + result.results[0].message


def test_timeout_zero_means_no_per_test_limit(tmp_path):
    runner = FakeRunner({"app": [FakeTest("slow", (HANG,))]})
    run = session(tmp_path, runner, clock=FakeClock(10.0), timeout=0, shard_timeout=1000)
    [slow] = run.execute().results
    assert slow.outcome is Outcome.TIMEOUT and "shard exceeded its timeout" in slow.message


def test_retry_timeouts_false_gives_a_timed_out_test_no_retry(tmp_path):
    tests = [FakeTest("hang", (HANG, "passed")), FakeTest("bad", ("failed", "passed"))]
    result = session(
        tmp_path, FakeRunner({"app": tests}), timeout=1.0, retries=2, retry_timeouts=False
    ).execute()
    assert outcomes(result) == {"hang": "timeout", "bad": "flaky"}
    assert {r.nodeid: r.attempt for r in result.results} == {"hang": 1, "bad": 2}


def test_an_app_can_turn_timeout_retries_back_on(tmp_path):
    runner = FakeRunner({"app": [FakeTest("hang", (HANG, "passed"))]})
    workflow = make_workflow(tmp_path, timeout=1.0, retries=1, retry_timeouts=False)
    workflow = evolve(
        workflow, applications=(evolve(workflow.applications[0], retry_timeouts=True),)
    )
    run = fake_session(workflow, runner)
    assert outcomes(run.execute()) == {"hang": "flaky"}


class InterruptAfter(Silent):
    """An observer that presses Ctrl-C (raises KeyboardInterrupt) after ``n`` results."""

    def __init__(self, n: int) -> None:
        self.n = n

    def progress(self, counts, running) -> None:
        pass

    def result(self, result) -> None:
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


def test_ctrl_c_returns_a_partial_result_with_exit_130_and_the_run_resumes(tmp_path):
    tests = [FakeTest(f"t{i}", file=f"f{i}.py") for i in range(6)]
    busy = FakeTest("busy", (HANG,), file="g.py")  # still running when Ctrl-C comes
    store = FakeStore()
    runner = FakeRunner({"app": [busy, *tests]})
    workflow = make_workflow(tmp_path, workers=2)
    run = fake_session(workflow, runner, store, observer=InterruptAfter(2))
    partial = run.execute()
    assert partial.interrupted and partial.exit_code is ExitCode.INTERRUPTED == 130
    assert partial.counts.passed == 2
    running = [p for p in run.executor.started if "busy" in p.nodeids]
    assert running and all(p.killed for p in running), "the running shard was not killed"
    assert "busy" not in {r.nodeid for r in store.final_results(partial.run_id)}
    record = store.get_run(partial.run_id)
    assert record.status == "interrupted" and record.exit_code is None
    done = FakeRunner({"app": [FakeTest("busy", file="g.py"), *tests]})
    resumed = session(tmp_path, done, store).execute(resume=partial.run_id)
    assert resumed.counts.passed == 7 and not resumed.interrupted
    assert store.get_run(partial.run_id).status == "finished"


def test_a_finished_run_cannot_be_resumed_and_keeps_its_end_time(tmp_path):
    store = FakeStore()
    runner = FakeRunner({"app": [FakeTest("a")]})
    finished = session(tmp_path, runner, store).execute()
    ended = store.get_run(finished.run_id).ended_at
    runner.tests["app"]["new"] = FakeTest("new")
    with pytest.raises(ConfigError, match=f"run {finished.run_id} finished"):
        session(tmp_path, runner, store).execute(resume=finished.run_id)
    assert store.get_run(finished.run_id).ended_at == ended
    assert {r.nodeid for r in store.final_results(finished.run_id)} == {"a"}


def test_resuming_on_another_commit_warns_that_results_mix(tmp_path):
    store = FakeStore()
    store.create_run(RunRecord(id="r1", workflow="w", commit="a" * 40, started_at=0.0))
    store.update_run("r1", status="interrupted")
    runner = FakeRunner({"app": [FakeTest("a")]})
    run = session(tmp_path, runner, store)
    run.commit = "b" * 40
    result = run.execute(resume="r1")
    assert any(
        "started at commit aaaaaaaaaaaa" in p and "bbbbbbbbbbbb" in p for p in result.problems
    )


class WholeAppRunner(FakeRunner):
    """A runner that cannot pick tests (as the command runner): an application runs whole."""

    selects_tests = False


def test_a_whole_application_that_reports_no_test_leaves_nothing_queued(tmp_path):
    runner = WholeAppRunner({"app": []})
    run = session(tmp_path, runner)
    result = run.execute()
    assert runner.commands == [()]  # it ran, whole, and reported nothing
    assert result.counts.queued == 0 and result.counts.done == 0
    assert run.store.planned(result.run_id) == 0


def test_a_resumed_whole_application_runs_when_only_a_simulator_check_was_carried(tmp_path):
    store = FakeStore()
    store.create_run(RunRecord(id="r1", workflow="w", commit="", started_at=0.0))
    store.update_run("r1", status="interrupted")
    check = TestResult(
        "app", "simulator:bank::expect GET /x", Outcome.PASSED, markers=("expect:bank",)
    )
    store.record("r1", Progress(finals=[check]))
    runner = WholeAppRunner({"app": []})
    resumed = session(tmp_path, runner, store).execute(resume="r1")
    assert runner.commands == [()], "its own tests never ran: it runs whole on resume"
    assert outcomes(resumed) == {check.nodeid: "passed"}
