"""The lifecycle hooks of a run: which are called, in what order, with what; reporters as
plugins (a problem returned from ``orch_run_finish`` exits 4); one change set per run.

The run is the real run use case on orch.testing's fakes (runner, executor, store, Vcs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orch.core import Engine, Services, Workflow
from orch.core.plugins import Registry, load_registry
from orch.core.report import DEFAULT_PLUGINS
from orch.core.report.relay import HookRelay
from orch.ports import (
    Application,
    ChangedFile,
    Counts,
    ExitCode,
    NodeFinish,
    NodeKind,
    Outcome,
    PlanNode,
    RunningTest,
    RunResult,
    SelectSettings,
    TestResult,
    hookimpl,
)
from orch.ports.hooks import LIFECYCLE
from orch.ports.observer import Silent
from orch.testing.fake_runner import FakeExecutor, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore, FakeVcs


class Recorder:
    """Every lifecycle hook call, in order, as (hook name, its arguments)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    @hookimpl
    def orch_run_start(self, root, applications, commit, resume) -> None:
        arguments = {"root": root, "applications": applications, "commit": commit}
        self.calls.append(("orch_run_start", {**arguments, "resume": resume}))

    @hookimpl
    def orch_app_start(self, app) -> None:
        self.calls.append(("orch_app_start", {"app": app}))

    @hookimpl
    def orch_node_start(self, node) -> None:
        self.calls.append(("orch_node_start", {"node": node}))

    @hookimpl
    def orch_test_result(self, result) -> None:
        self.calls.append(("orch_test_result", {"result": result}))

    @hookimpl
    def orch_node_finish(self, node, finish) -> None:
        self.calls.append(("orch_node_finish", {"node": node, "finish": finish}))

    @hookimpl
    def orch_app_finish(self, app, counts) -> None:
        self.calls.append(("orch_app_finish", {"app": app, "counts": counts}))

    @hookimpl
    def orch_progress(self, counts, running) -> None:
        self.calls.append(("orch_progress", {"counts": counts, "running": running}))

    @hookimpl
    def orch_run_finish(self, result) -> None:
        self.calls.append(("orch_run_finish", {"result": result}))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class Complains:
    """A reporter whose report could not be written."""

    @hookimpl
    def orch_run_finish(self, result: RunResult) -> str:
        return f"summary.md: the report of {result.run_id} could not be written (Disk full)"


class CountingVcs(FakeVcs):
    """The fake Vcs, counting how often it is asked what changed."""

    asked: list[tuple[str, str | None]]

    def changed_files(self, root: Path, base: str, head: str | None = None) -> list[ChangedFile]:
        self.asked.append((base, head))
        return super().changed_files(root, base, head)


TESTS = [FakeTest("test_ok"), FakeTest("test_bad", ("failed",))]


def engine(tmp_path: Path, tests=TESTS, vcs: FakeVcs | None = None) -> Engine:
    app = Application("app", tmp_path, "fake", select=SelectSettings(strategy="all"))
    workflow = Workflow(applications=(app,), root=tmp_path)
    runner = FakeRunner({"app": tests})
    services = Services(
        Registry([]), {"fake": runner}, FakeExecutor(runner), FakeStore(), vcs, tmp_path / ".orch"
    )
    return Engine(workflow, services)


def test_a_run_calls_the_hooks_in_order_with_ports_values(tmp_path):
    recorder = Recorder()
    result = engine(tmp_path).execute(plugins=[recorder])
    names = recorder.names()
    assert names[0] == "orch_run_start" and names[-1] == "orch_run_finish"
    assert names.count("orch_run_start") == names.count("orch_run_finish") == 1
    assert "orch_progress" in names
    start = recorder.calls[0][1]
    assert start["root"] == tmp_path and start["resume"] is None and start["commit"] == ""
    assert [app.name for app in start["applications"]] == ["app"]
    results = [args["result"] for name, args in recorder.calls if name == "orch_test_result"]
    assert all(isinstance(r, TestResult) for r in results)
    assert sorted((r.nodeid, r.outcome) for r in results) == [
        ("test_bad", Outcome.FAILED),
        ("test_ok", Outcome.PASSED),
    ]
    last_progress = [args for name, args in recorder.calls if name == "orch_progress"][-1]
    assert isinstance(last_progress["counts"], Counts)
    finished = recorder.calls[-1][1]["result"]
    assert isinstance(finished, RunResult) and finished.run_id == result.run_id
    assert finished.triage is not None and [f.id for f in finished.triage.failures] == [
        "app::test_bad"
    ]
    assert result.exit_code is ExitCode.TESTS_FAILED and result.problems == ()


def test_the_relay_turns_each_observer_call_into_its_hook(tmp_path):
    registry = Registry([])
    recorder = Recorder()
    registry.register(recorder)
    relay = HookRelay(registry.hook)
    app = Application("app", tmp_path, "fake")
    node = PlanNode("app/0", NodeKind.SHARD, "app", "app: 2 tests")
    finish = NodeFinish(Outcome.BLOCKED, "app/setup failed", 0.5)
    running = [RunningTest("app", "test_ok", 12.0)]
    result = TestResult("app", "test_ok", Outcome.PASSED)
    relay.run_start(tmp_path, [app], "abc", "r1")
    relay.app_start(app)
    relay.node_start(node)
    relay.progress(Counts(running=1), running)
    relay.result(result)
    relay.node_finish(node, finish)
    relay.app_finish(app, Counts(passed=1))
    assert recorder.calls == [
        (
            "orch_run_start",
            {"root": tmp_path, "applications": (app,), "commit": "abc", "resume": "r1"},
        ),
        ("orch_app_start", {"app": app}),
        ("orch_node_start", {"node": node}),
        ("orch_progress", {"counts": Counts(running=1), "running": running}),
        ("orch_test_result", {"result": result}),
        ("orch_node_finish", {"node": node, "finish": finish}),
        ("orch_app_finish", {"app": app, "counts": Counts(passed=1)}),
    ]
    assert set(LIFECYCLE) - set(recorder.names()) == {"orch_run_finish"}


def test_a_problem_returned_at_run_finish_is_a_problem_of_the_run_and_exits_4(tmp_path):
    report = tmp_path / "out" / "report.json"
    result = engine(tmp_path, [FakeTest("test_ok")]).execute(
        plugins=[Complains()], json_report=report
    )
    problem = f"summary.md: the report of {result.run_id} could not be written (Disk full)"
    assert result.exit_code is ExitCode.ENVIRONMENT_ERROR
    assert result.problems == (problem,)
    written = json.loads(report.read_text())  # written after every other reporter: it knows
    assert written["problems"] == [problem] and written["run"]["exit_code"] == 4


def test_a_report_that_cannot_be_written_is_named_in_the_others(tmp_path):
    blocked = tmp_path / "junit.xml"
    blocked.mkdir()  # a folder where the file should go: the write fails
    report = tmp_path / "report.json"
    result = engine(tmp_path, [FakeTest("test_ok")]).execute(junit_xml=blocked, json_report=report)
    assert result.exit_code is ExitCode.ENVIRONMENT_ERROR
    [problem] = result.problems
    assert problem.startswith(f"{blocked}: the report could not be written (")
    assert json.loads(report.read_text())["problems"] == [problem]


def test_an_observer_still_hears_the_run_and_plugins_last_one_run(tmp_path):
    class Heard(Silent):
        def __init__(self) -> None:
            self.results: list[str] = []
            self.progress_calls = 0

        def progress(self, counts: Counts, running: list[RunningTest]) -> None:
            self.progress_calls += 1

        def result(self, result: TestResult) -> None:
            self.results.append(result.nodeid)

    heard, recorder = Heard(), Recorder()
    run = engine(tmp_path)
    run.execute(observer=heard, plugins=[recorder])
    assert sorted(heard.results) == ["test_bad", "test_ok"] and heard.progress_calls >= 1
    calls = len(recorder.calls)
    run.execute()
    assert len(recorder.calls) == calls  # registered for its run only


def _repository(tmp_path: Path) -> CountingVcs:
    vcs = CountingVcs()
    vcs.asked = []
    repo = vcs.init(tmp_path)
    repo.write("test_app.py", "def test_ok(): pass\n")
    repo.commit("first")
    repo.write("test_app.py", "def test_ok(): assert False\n")
    return vcs


@pytest.mark.parametrize("select_first", [False, True])
def test_one_run_asks_the_vcs_what_changed_once(tmp_path, select_first):
    vcs = _repository(tmp_path)
    run = engine(tmp_path, vcs=vcs)
    selection = run.select(base="HEAD") if select_first else None
    result = run.execute(selection=selection, record_coverage=True)  # and a failure to triage
    assert vcs.asked == [("HEAD", None)]
    [failure] = result.triage.failures if result.triage else ()
    assert failure.id == "app::test_bad"


def test_a_selection_from_elsewhere_is_asked_about_again(tmp_path):
    vcs = _repository(tmp_path)
    selection = engine(tmp_path, vcs=vcs).select(base="HEAD")
    engine(tmp_path, vcs=vcs).execute(selection=selection)
    assert vcs.asked == [("HEAD", None), ("HEAD", None)]


def test_the_built_in_reporters_are_plugins_of_every_registry_under_their_names():
    for registry in (Registry([]), load_registry(entry_points=False)):
        impls = registry.hook.orch_run_finish.get_hookimpls()
        assert set(DEFAULT_PLUGINS) <= {impl.plugin_name for impl in impls}


def test_a_plugin_sees_the_reports_the_run_was_asked_for(tmp_path):
    class Reads:
        asked: dict = {}

        @hookimpl
        def orch_run_finish(self, reports) -> None:
            Reads.asked = dict(reports)

    junit = tmp_path / "junit.xml"
    engine(tmp_path, [FakeTest("test_ok")]).execute(plugins=[Reads()], junit_xml=junit)
    assert Reads.asked == {"junit-xml": junit} and junit.is_file()
