"""The run use case redacts results where they enter: the store, the observer and the reports
only ever see masked text; the shards' raw files go unless asked for."""

from __future__ import annotations

from pathlib import Path

from fake_run import fake_session

from orch.core import Workflow
from orch.ports import (
    Application,
    EnvironmentProblem,
    Outcome,
    Shard,
    ShardExit,
    TestCase,
    TestResult,
)
from orch.ports.observer import Silent
from orch.testing.fake_runner import FakeRunner, FakeTest
from orch.testing.fakes import FakeStore

LEAK = "postgres://orders:pw-4242@db/x API_TOKEN=tok-4242 passed-secret-4242"


class PrintingRunner(FakeRunner):
    """The fake framework, plus one more failing result whose output holds secrets (as a
    runner's ``finish`` reports what a crashed or whole-app shard printed)."""

    def finish(
        self, app: Application, shard: Shard, scratch: Path, exit: ShardExit
    ) -> list[TestResult]:
        (scratch / "output.log").write_text(LEAK)
        return [TestResult(app.name, "t.py::leaky", Outcome.FAILED, message=LEAK, stdout=LEAK)]


class FailingCollection(FakeRunner):
    """A framework whose collection fails, saying what the project's conftest printed."""

    def discover(self, app: Application) -> list[TestCase]:
        raise EnvironmentProblem(f"collection failed: {LEAK}")


class Observer(Silent):
    def __init__(self) -> None:
        self.seen: list[TestResult] = []

    def progress(self, counts, running) -> None:
        pass

    def result(self, result: TestResult) -> None:
        self.seen.append(result)


def workflow(tmp_path: Path) -> Workflow:
    app = Application(
        "app", tmp_path, "fake", env={"DB_PASSWORD": "passed-secret-4242"}, passenv=()
    )
    return Workflow(applications=(app,), root=tmp_path)


def clean(text: str) -> bool:
    return "pw-4242" not in text and "tok-4242" not in text and "passed-secret" not in text


def test_results_are_redacted_before_the_store_the_observer_and_the_reports(tmp_path):
    store, observer = FakeStore(), Observer()
    runner = PrintingRunner({"app": [FakeTest("t.py::ok")]})
    result = fake_session(workflow(tmp_path), runner, store, observer=observer).execute()
    [leaky] = [r for r in result.results if r.nodeid == "t.py::leaky"]
    assert leaky.message == "postgres://orders:***@db/x API_TOKEN=*** ***"
    stored = store.final_results(result.run_id)
    for results in (result.results, stored, observer.seen):
        assert all(clean(r.message + r.stdout) for r in results)
    scratch = [p for p in (tmp_path / ".orch" / "runs" / result.run_id).iterdir() if p.is_dir()]
    assert scratch and not [p for p in scratch if any(p.iterdir())], "raw output removed"


def test_keep_raw_output_keeps_the_shards_files(tmp_path):
    runner = PrintingRunner({"app": [FakeTest("t.py::ok")]})
    result = fake_session(workflow(tmp_path), runner, keep_raw_output=True).execute()
    logs = list((tmp_path / ".orch" / "runs" / result.run_id).rglob("output.log"))
    assert logs and "pw-4242" in logs[0].read_text()
    assert all(clean(r.message) for r in result.results)


def test_a_collection_problem_is_redacted_too(tmp_path):
    result = fake_session(workflow(tmp_path), FailingCollection({"app": []})).execute()
    assert result.problems and all(clean(problem) for problem in result.problems)
    assert all(clean(r.message) for r in result.results)
