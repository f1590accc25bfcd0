"""Planning a run with fakes: which applications are discovered and run in one process, and that
such a shard's collected tests count, crash and retry like a listed shard's."""

from __future__ import annotations

from pathlib import Path

from fake_run import fake_session

from orch.core import Workflow
from orch.ports import (
    Application,
    Command,
    Execution,
    Outcome,
    Progress,
    RunRecord,
    Shard,
    TestCase,
    TestResult,
    TestsCollected,
)
from orch.ports.selection import AppSelection, SelectedTest, Selection
from orch.testing.fake_runner import CRASH, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore


class WholeAppRunner(FakeRunner):
    """The fake runner with the pytest runner's ability: a shard without tests runs the whole
    application and reports what it collected first."""

    __test__ = False
    runs_unlisted = True

    def __init__(self, tests) -> None:
        super().__init__(tests)
        self.unlisted: list[str] = []

    def command(self, app: Application, shard: Shard, scratch: Path) -> Command:
        if shard.tests:
            return super().command(app, shard, scratch)
        self.unlisted.append(app.name)
        index, parts = shard.partition
        ranked = sorted(self.tests[app.name].values(), key=lambda t: t.nodeid)
        share = ranked[len(ranked) * index // parts : len(ranked) * (index + 1) // parts]
        cases = tuple(
            TestCase(app.name, t.nodeid, t.file or t.nodeid.split("::")[0]) for t in share
        )
        command = super().command(app, Shard(app.name, cases, attempt=shard.attempt), scratch)
        self.channels[scratch].events.append(TestsCollected(cases))
        return command


def run(tmp_path, runner, store=None, workers=2, resume=None, selection=None, **execution):
    apps = tuple(Application(name, tmp_path, "fake") for name in runner.tests)
    workflow = Workflow(
        applications=apps, execution=Execution(workers=workers, **execution), root=tmp_path
    )
    return fake_session(workflow, runner, store, selection=selection).execute(resume)


def apps(count: int, tests: int, duration: float = 0.01) -> dict[str, list[FakeTest]]:
    return {
        f"app{a}": [
            FakeTest(f"t{i}.py::test", duration=duration, file=f"t{i}.py") for i in range(tests)
        ]
        for a in range(count)
    }


def test_without_history_as_many_apps_as_workers_run_without_a_discovery(tmp_path):
    runner = WholeAppRunner(apps(3, 4))
    result = run(tmp_path, runner)
    assert runner.discovered == [] and sorted(runner.unlisted) == ["app0", "app1", "app2"]
    assert result.counts.passed == 12 and result.counts.done == 12 and result.exit_code == 0


def test_one_app_without_history_is_split_over_every_worker_without_a_discovery(tmp_path):
    runner = WholeAppRunner(apps(1, 5))
    result = run(tmp_path, runner)
    assert runner.discovered == [] and runner.unlisted == ["app0", "app0"]
    assert sorted(len(nodeids) for nodeids in runner.commands) == [2, 3]
    assert result.counts.passed == 5 and result.counts.done == 5 and result.exit_code == 0


def test_a_crash_in_one_share_reruns_the_rest_of_that_share_as_a_listed_shard(tmp_path):
    tests = apps(1, 6)
    tests["app0"][1] = FakeTest("t1.py::test", (CRASH,), file="t1.py")  # in share 0 of 2
    runner = WholeAppRunner(tests)
    result = run(tmp_path, runner)
    outcomes = {r.nodeid: r.outcome.value for r in result.results}
    assert outcomes.pop("t1.py::test") == "error"
    assert set(outcomes.values()) == {"passed"} and len(outcomes) == 5
    assert ("t2.py::test",) in runner.commands  # what share 0 had left, listed


def test_history_decides_short_apps_run_whole_and_long_ones_are_split(tmp_path):
    tests = apps(1, 2) | {"long": apps(1, 20, duration=1.0)["app0"]}
    store = FakeStore()
    run(tmp_path, WholeAppRunner(tests), store, workers=1)  # records the durations
    runner = WholeAppRunner(tests)
    run(tmp_path, runner, store, workers=2)
    assert runner.unlisted == ["app0"] and runner.discovered == ["long"]
    assert sorted(len(nodeids) for nodeids in runner.commands[1:]) == [10, 10]


def test_a_crash_in_a_whole_app_shard_errors_that_test_and_reruns_the_rest(tmp_path):
    tests = apps(2, 4)
    tests["app0"][1] = FakeTest("t1.py::test", (CRASH,), file="t1.py")
    runner = WholeAppRunner(tests)
    result = run(tmp_path, runner)
    outcomes = {(r.app, r.nodeid): r.outcome.value for r in result.results}
    assert outcomes.pop(("app0", "t1.py::test")) == "error"
    assert set(outcomes.values()) == {"passed"} and len(outcomes) == 7
    assert result.counts.done == 8
    assert ("t2.py::test", "t3.py::test") in runner.commands  # the rest, as a listed shard


def test_resume_discovers_first_and_runs_only_what_was_not_recorded(tmp_path):
    store = FakeStore()
    store.create_run(RunRecord(id="r1", workflow="w", commit="", started_at=0.0))
    done = [TestResult("app0", "t0.py::test", Outcome.PASSED)]
    store.record("r1", Progress(attempts=done, finals=done))
    runner = WholeAppRunner(apps(2, 2))
    resumed = run(tmp_path, runner, store, resume="r1")
    assert sorted(runner.discovered) == ["app0", "app1"] and runner.unlisted == []
    assert resumed.counts.passed == 4
    assert sum(len(nodeids) for nodeids in runner.commands) == 3, "the recorded test ran again"


def test_an_app_the_selection_narrows_is_discovered_first(tmp_path):
    runner = WholeAppRunner(apps(2, 2))
    chosen = (SelectedTest("app0", "t1.py::test", "t1.py", ("changed",), 1.0),)
    whole = AppSelection("app1", (), whole_app=True)
    selection = Selection("base", None, {"app0": AppSelection("app0", chosen), "app1": whole})
    result = run(tmp_path, runner, selection=selection)
    assert runner.discovered == ["app0"] and runner.unlisted == ["app1"]
    assert sorted((r.app, r.nodeid) for r in result.results) == [
        ("app0", "t1.py::test"),
        ("app1", "t0.py::test"),
        ("app1", "t1.py::test"),
    ]
