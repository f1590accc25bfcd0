"""A store that fails in the middle of a run costs the run its record, never its results: the
run goes on, every result reaches the reports, and it exits 4 saying why (fakes only)."""

from __future__ import annotations

from attrs import define
from fake_run import fake_session
from test_run import make_workflow

from orch.core.shared.outcomes import ExitCode
from orch.ports import Progress, StoreProblem
from orch.testing.fake_runner import FakeClock, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore

BROKEN = "/x/.orch/orch.db is not a readable orch database (SQLITE_CORRUPT); move it away"


@define
class StoreThatBreaks(FakeStore):
    """A FakeStore whose writes fail after ``works`` batches of progress."""

    works: int = 1
    batches: int = 0

    def record(self, run_id: str, progress: Progress) -> None:
        self.batches += 1
        if self.batches > self.works:
            raise StoreProblem(BROKEN)
        super().record(run_id, progress)

    def update_run(self, run_id: str, **changes) -> None:
        if self.batches > self.works:
            raise StoreProblem(BROKEN)
        super().update_run(run_id, **changes)


def test_a_store_failing_mid_run_keeps_every_result_and_exits_4(tmp_path):
    apps = {app: [FakeTest(f"t{i}") for i in range(5)] for app in ("a", "b", "c")}
    apps["c"].append(FakeTest("bad", ("failed",)))
    store = StoreThatBreaks()
    workflow = make_workflow(tmp_path, tuple(apps), workers=1)  # one shard after another
    result = fake_session(workflow, FakeRunner(apps), store, FakeClock(0.5)).execute()

    assert store.batches == 2, "one batch stored, one failed, none tried after"
    assert result.counts.passed == 15 and result.counts.failed == 1
    assert result.exit_code is ExitCode.ENVIRONMENT_ERROR
    assert result.unstored == BROKEN
    assert result.problems == (
        f"run {result.run_id}: its results were not stored (the reports hold them): {BROKEN}",
    )
    assert result.record is not None and result.record.status == "finished"
    assert store.runs[result.run_id].status == "running", "the store kept what it had"
    assert 0 < len(store.final_results(result.run_id)) < 16


def test_a_store_that_works_leaves_the_run_stored(tmp_path):
    store = StoreThatBreaks(works=10_000)
    workflow = make_workflow(tmp_path, ("app",))
    result = fake_session(workflow, FakeRunner({"app": [FakeTest("t")]}), store).execute()
    assert result.exit_code is ExitCode.OK and result.unstored == "" and result.problems == ()
    assert result.record == store.runs[result.run_id]
