"""Narrowing from the command line: paths pick applications, --lf reads the store, filters keep."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_run import fake_session

from orch.core import Workflow
from orch.core.workflow.filters import (
    filters_for,
    last_failed,
    narrowed,
    paths_by_app,
    split_arguments,
)
from orch.ports import (
    Application,
    ConfigError,
    Outcome,
    Progress,
    RunRecord,
    RunSpec,
    TestFilter,
    TestResult,
)
from orch.testing.fake_runner import FakeRunner, FakeTest
from orch.testing.fakes import FakeStore


def workflow_of(root: Path, *apps: tuple[str, str]) -> Workflow:
    for _, folder in apps:
        (root / folder / "tests").mkdir(parents=True, exist_ok=True)
    return Workflow(
        applications=tuple(Application(n, (root / f).resolve(), "fake") for n, f in apps),
        root=root,
        source=str(root / "orch.yaml"),
    )


def test_a_path_picks_the_innermost_application_and_keeps_its_test_id(tmp_path):
    workflow = workflow_of(tmp_path, ("shop", "apps"), ("pay", "apps/pay"), ("web", "web"))
    (tmp_path / "apps/pay/tests/test_x.py").write_text("")
    picked = paths_by_app(workflow, ["apps/pay/tests/test_x.py::test_y[eur]"], tmp_path)
    assert picked == {"pay": ("tests/test_x.py::test_y[eur]",)}
    assert paths_by_app(workflow, ["web"], tmp_path) == {"web": ()}
    assert paths_by_app(workflow, ["."], tmp_path) == {"shop": (), "pay": (), "web": ()}


def test_a_path_in_no_application_names_the_applications(tmp_path):
    workflow = workflow_of(tmp_path, ("pay", "apps/pay"))
    (tmp_path / "docs").mkdir()
    with pytest.raises(ConfigError, match=r"^docs: in no application of .*pay in "):
        paths_by_app(workflow, ["docs"], tmp_path)


def test_arguments_tell_the_project_from_test_paths(tmp_path, monkeypatch):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "orch.yaml").write_text("")
    (tmp_path / "proj" / "ci.yml").write_text("")
    (tmp_path / "plain" / "tests").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert split_arguments(["proj", "a.py"], None, None).directory == Path("proj").absolute()
    workflow_file = split_arguments(["proj/ci.yml"], None, None).workflow_file
    assert workflow_file == tmp_path / "proj" / "ci.yml"
    lone = split_arguments(["plain"], None, None)
    assert lone.directory == tmp_path / "plain" and lone.paths == ()
    narrowing = split_arguments(["tests"], tmp_path / "plain", None)
    assert narrowing.directory == tmp_path / "plain" and narrowing.paths == ("tests",)
    with pytest.raises(ConfigError, match="give one"):
        split_arguments([str(tmp_path / "proj")], tmp_path / "plain", None)


def finished_run(store: FakeStore, run_id: str, results: list[TestResult]) -> None:
    store.create_run(RunRecord(run_id, "orch.yaml", "", started_at=float(len(store.runs))))
    store.record(run_id, Progress(finals=results))


def test_last_failed_reads_failed_errored_and_timed_out_tests_of_the_latest_run(tmp_path):
    workflow = workflow_of(tmp_path, ("pay", "pay"), ("web", "web"), ("ops", "ops"))
    (tmp_path / "pay/tests/test_a.py").write_text("")
    store = FakeStore()
    finished_run(store, "old", [TestResult("web", "tests/test_w.py::t", Outcome.FAILED)])
    finished_run(
        store,
        "new",
        [
            TestResult("pay", "tests/test_a.py::t1", Outcome.FAILED, file="tests/test_a.py"),
            TestResult("pay", "tests/test_a.py::t2", Outcome.TIMEOUT, file="tests/test_a.py"),
            TestResult("pay", "tests/test_a.py::t3", Outcome.PASSED, file="tests/test_a.py"),
            TestResult("pay", "tests/test_gone.py::t", Outcome.ERROR, file="tests/test_gone.py"),
            TestResult("web", "tests/test_w.py::t", Outcome.FLAKY),
            TestResult("ops", "ops", Outcome.ERROR, message="interpreter missing"),
        ],
    )
    failed = last_failed(store, workflow)
    assert failed is not None and failed.run_id == "new"
    assert failed.tests == {
        "pay": ("tests/test_a.py::t1", "tests/test_a.py::t2", "tests/test_gone.py::t"),
        "ops": (),
    }
    # a file not found by its name (deleted, or named with escapes) is not given to the
    # runner: that app's whole collection is searched for the failed ids instead
    assert failed.files == {}
    filters = filters_for(workflow, failed=failed)
    assert set(filters) == {"pay", "ops"}
    assert filters["pay"].paths == () and filters["ops"] == TestFilter()
    assert filters["pay"].tests == failed.tests["pay"]


def test_last_failed_narrows_to_the_failed_files_when_each_is_found(tmp_path):
    workflow = workflow_of(tmp_path, ("pay", "pay"))
    (tmp_path / "pay/tests/test_a.py").write_text("")
    store = FakeStore()
    finished_run(
        store,
        "new",
        [
            TestResult("pay", "tests/test_a.py::t1", Outcome.FAILED, file="tests/test_a.py"),
            TestResult("pay", "tests/test_a.py::t2", Outcome.ERROR, file="tests/test_a.py"),
        ],
    )
    failed = last_failed(store, workflow)
    assert failed is not None and failed.files == {"pay": ("tests/test_a.py",)}
    assert filters_for(workflow, failed=failed)["pay"].paths == ("tests/test_a.py",)


def test_a_failed_simulator_expectation_is_no_test_for_last_failed(tmp_path):
    workflow = workflow_of(tmp_path, ("pay", "pay"))
    store = FakeStore()
    expectation = TestResult(
        "pay", "simulator:bank::expect POST /charges", Outcome.FAILED, markers=("expect:bank",)
    )
    finished_run(store, "new", [expectation])
    assert last_failed(store, workflow) is None  # nothing to run again: everything runs


def test_nothing_failed_or_no_run_means_no_last_failed(tmp_path):
    workflow = workflow_of(tmp_path, ("pay", "pay"))
    store = FakeStore()
    assert last_failed(store, workflow) is None
    finished_run(store, "r1", [TestResult("pay", "t", Outcome.PASSED)])
    assert last_failed(store, workflow) is None


def test_filters_survive_the_runs_saved_spec(tmp_path):
    workflow = workflow_of(tmp_path, ("pay", "pay"), ("web", "web"))
    filters = filters_for(
        workflow, paths={"pay": ("tests/a.py",)}, keyword="x", marker="m", runner_args=["-x"]
    )
    assert RunSpec.from_json(RunSpec(filters=filters).as_json()).filters == filters
    assert [a.name for a in narrowed(workflow, filters).applications] == ["pay"]


def test_a_run_keeps_only_the_tests_a_filter_names_and_what_lies_under_them(tmp_path):
    runner = FakeRunner({"app": [FakeTest(n) for n in ("f.py::a", "f.py::b[1]", "g.py::c")]})
    app = Application("app", tmp_path, "fake", test_filter=TestFilter(tests=("f.py::a", "g.py")))
    result = fake_session(Workflow(applications=(app,), root=tmp_path), runner).execute()
    assert sorted(r.nodeid for r in result.results) == ["f.py::a", "g.py::c"]
