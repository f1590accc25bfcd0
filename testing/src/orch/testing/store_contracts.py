"""Contract tests of the store's ports, one class per narrow port, and ``StoreContract`` for a
store adapter, which implements them all.

A subclass provides a fresh, empty ``store`` fixture. ``HistoryStoreContract`` writes the runs it
reads the history of, so its store is a ``RunStore`` too. The fakes of ``orch.testing.fake_store``
pass the contracts of their ports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pytest

from orch.ports import (
    CoverageMap,
    CoverageStore,
    Failure,
    FailureStore,
    HistoryStore,
    Outcome,
    OutcomeHistory,
    Progress,
    RunningTest,
    RunRecord,
    RunSpec,
    RunState,
    RunStore,
    Store,
    TestFilter,
    TestResult,
)


def _store_result(nodeid: str, outcome: Outcome = Outcome.PASSED, **fields: Any) -> TestResult:
    return TestResult(app="app", nodeid=nodeid, outcome=outcome, **fields)


def _store_run(run_id: str, started_at: float = 1000.0, **fields: Any) -> RunRecord:
    return RunRecord(run_id, "orch.yaml", fields.pop("commit", "abc123"), started_at, **fields)


class RecordedHistory(RunStore, HistoryStore, Protocol):
    """A store whose history can be written: through its runs."""


class RunStoreContract:
    """What every ``RunStore`` must do."""

    def test_it_is_a_run_store(self, store: RunStore) -> None:
        assert isinstance(store, RunStore)

    def test_a_run_round_trips(self, store: RunStore) -> None:
        spec = RunSpec(
            directory=Path("/project"),
            workers=2,
            timeout=1.5,
            apps=("payment-service",),
            filters={"payment-service": TestFilter(paths=("tests/test_x.py",), keyword="refund")},
        )
        record = RunRecord("r1", "orch.yaml", "abc", 1.5, pid=42, spec=spec)
        store.create_run(record)
        store.create_run(_store_run("r2"))
        assert store.get_run("r1") == record
        assert store.get_run("r2") == _store_run("r2")
        assert store.get_run("missing") is None

    def test_a_run_id_is_created_once(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        with pytest.raises(ValueError):
            store.create_run(_store_run("r1"))

    def test_runs_are_listed_newest_first(self, store: RunStore) -> None:
        assert store.latest_run() is None
        assert store.list_runs() == []
        for i, started_at in enumerate([30.0, 10.0, 20.0]):
            store.create_run(_store_run(f"r{i}", started_at))
        assert [r.id for r in store.list_runs()] == ["r0", "r2", "r1"]
        assert [r.id for r in store.list_runs(limit=2)] == ["r0", "r2"]
        latest = store.latest_run()
        assert latest is not None and latest.id == "r0"

    def test_update_run_changes_only_the_given_fields(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        store.update_run("r1", ended_at=2000.0, exit_code=1, status=RunState.FINISHED, pid=7)
        assert store.get_run("r1") == _store_run(
            "r1", ended_at=2000.0, exit_code=1, status=RunState.FINISHED, pid=7
        )
        store.update_run("r1", status="interrupted")  # the stored text is a state too
        record = store.get_run("r1")
        assert record is not None and record.status is RunState.INTERRUPTED

    def test_update_run_refuses_unknown_runs_fields_and_states(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        with pytest.raises(KeyError):
            store.update_run("missing", status=RunState.FINISHED)
        with pytest.raises(ValueError):
            store.update_run("r1", id="r2")
        with pytest.raises(ValueError):
            store.update_run("r1", status="passed")
        assert store.get_run("r1") == _store_run("r1")

    def test_results_round_trip_every_field(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        result = TestResult(
            app="payment-service",
            nodeid="tests/test_x.py::test_refund[eur-'; DROP TABLE results; --]",
            outcome=Outcome.FAILED,
            duration=1.25,
            message='assert 1 == 2 "quoted"',
            longrepr="Traceback...\n  line\x00with nul",
            stdout="ünïcödé ✓",
            stderr="warning",
            markers=("slow", "db"),
            attempt=2,
            file="tests/test_x.py",
        )
        store.record("r1", Progress(attempts=[result], finals=[result]))
        assert store.attempts("r1") == [result]
        assert store.final_results("r1") == [result]
        assert store.final_results("other") == []

    def test_every_outcome_round_trips(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        results = [_store_result(f"t_{outcome.value}", outcome) for outcome in Outcome]
        store.record("r1", Progress(finals=results))
        assert store.final_results("r1") == results

    def test_a_test_has_one_final_result_the_latest_attempts(self, store: RunStore) -> None:
        """A repeat is ignored; a later attempt (a flow step a resumed run ran again) wins."""
        store.create_run(_store_run("r1"))
        first = _store_result("t1", Outcome.FAILED, attempt=2)
        store.record("r1", Progress(finals=[first]))
        store.record("r1", Progress(finals=[_store_result("t1", Outcome.PASSED, attempt=2)]))
        store.record("r1", Progress(finals=[_store_result("t1", Outcome.ERROR)]))
        assert store.final_results("r1") == [first]
        again = _store_result("t1", Outcome.PASSED, attempt=3)
        store.record("r1", Progress(finals=[again]))
        assert store.final_results("r1") == [again]

    def test_attempts_keep_retries_once_each(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        tries = [
            _store_result("t1", Outcome.FAILED),
            _store_result("t1", Outcome.PASSED, attempt=2),
        ]
        store.record("r1", Progress(attempts=tries))
        store.record("r1", Progress(attempts=tries[:1]))
        assert store.attempts("r1") == tries

    def test_results_are_kept_per_run_and_app(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        store.create_run(_store_run("r2"))
        a = TestResult(app="a", nodeid="t", outcome=Outcome.PASSED)
        b = TestResult(app="b", nodeid="t", outcome=Outcome.FAILED)
        store.record("r1", Progress(finals=[a, b]))
        store.record("r2", Progress(finals=[b]))
        assert store.final_results("r1") == [a, b]
        assert store.final_results("r2") == [b]

    def test_started_tests_are_running_until_finished(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        started = [RunningTest("app", "t1", 5.0), RunningTest("app", "t2", 6.0)]
        store.record("r1", Progress(started=started))
        assert store.running("r1") == started
        store.record("r1", Progress(finished=[("app", "t1")]))
        assert store.running("r1") == started[1:]
        assert store.running("other") == []

    def test_planned_is_kept_until_changed(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        assert store.planned("r1") == 0
        store.record("r1", Progress(planned=12))
        store.record("r1", Progress())
        assert store.planned("r1") == 12

    def test_recording_for_an_unknown_run_fails(self, store: RunStore) -> None:
        with pytest.raises(KeyError):
            store.record("missing", Progress(finals=[_store_result("t1")]))

    def test_text_that_is_not_valid_unicode_does_not_lose_the_batch(self, store: RunStore) -> None:
        store.create_run(_store_run("r1"))
        odd = _store_result("t1", message="bad \udc80 byte")
        store.record("r1", Progress(attempts=[odd], finals=[odd, _store_result("t2")]))
        finals = store.final_results("r1")
        assert [r.nodeid for r in finals] == ["t1", "t2"]
        assert finals[0].message.startswith("bad ")

    def test_last_outcomes_are_the_latest_finished_run_at_a_commit(self, store: RunStore) -> None:
        for run_id, started in (("old", 1000.0), ("new", 2000.0), ("live", 3000.0)):
            store.create_run(_store_run(run_id, started))
        store.record("old", Progress(finals=[_store_result("t", Outcome.FAILED)]))
        store.record("new", Progress(finals=[_store_result("t", Outcome.PASSED)]))
        store.record("live", Progress(finals=[_store_result("t", Outcome.ERROR)]))
        store.update_run("old", status=RunState.FINISHED)
        store.update_run("new", status=RunState.FINISHED)
        assert store.last_outcomes("app", "abc123") == {"t": Outcome.PASSED}
        assert store.last_outcomes("app", "other-commit") == {}
        assert store.last_outcomes("other-app", "abc123") == {}


class HistoryStoreContract:
    """What every ``HistoryStore`` must answer of the runs written to it."""

    def test_it_is_a_history_store(self, store: RecordedHistory) -> None:
        assert isinstance(store, HistoryStore)

    def test_durations_follow_the_latest_runs(self, store: RecordedHistory) -> None:
        store.create_run(_store_run("r1"))
        store.record("r1", Progress(durations={("a", "t1"): 2.0, ("b", "t1"): 9.0}))
        assert store.durations("a") == {"t1": 2.0}
        store.record("r1", Progress(durations={("a", "t1"): 4.0}))
        assert 2.0 < store.durations("a")["t1"] <= 4.0
        assert store.durations("b") == {"t1": 9.0}
        assert store.durations("none") == {}

    def test_outcome_history_counts_final_outcomes_over_finished_runs(
        self, store: RecordedHistory
    ) -> None:
        outcomes = {
            "r1": {"t1": Outcome.PASSED, "t2": Outcome.FAILED, "t3": Outcome.FLAKY},
            "r2": {"t1": Outcome.ERROR, "t2": Outcome.TIMEOUT, "t3": Outcome.SKIPPED},
            "r3": {"t1": Outcome.BLOCKED, "t2": Outcome.PASSED},
            "live": {"t1": Outcome.FAILED, "t2": Outcome.FAILED, "t3": Outcome.FAILED},
            "cut": {"t1": Outcome.FAILED},
        }
        status = {"live": RunState.RUNNING, "cut": RunState.INTERRUPTED}
        for started, (run_id, tests) in enumerate(outcomes.items()):
            store.create_run(_store_run(run_id, float(started), status=RunState.FINISHED))
            if run_id in status:
                store.update_run(run_id, status=status[run_id])
            finals = [_store_result(nodeid, outcome) for nodeid, outcome in tests.items()]
            store.record(run_id, Progress(finals=finals))
        assert store.outcome_history("app") == {
            "t1": OutcomeHistory(runs=3, failures=1, flaky=0),
            "t2": OutcomeHistory(runs=3, failures=2, flaky=0),
            "t3": OutcomeHistory(runs=2, failures=0, flaky=1),
        }
        assert store.outcome_history("other") == {}

    def test_outcome_history_looks_at_the_app_s_latest_runs(self, store: RecordedHistory) -> None:
        for started in range(5):
            run_id = f"r{started}"
            store.create_run(_store_run(run_id, float(started), status=RunState.FINISHED))
            outcome = Outcome.FAILED if started < 2 else Outcome.PASSED
            finals = [_store_result("t1", outcome)] if started != 3 else []
            other = TestResult(app="other", nodeid="t1", outcome=Outcome.PASSED)
            store.record(run_id, Progress(finals=[*finals, other]))
        assert store.outcome_history("app", runs=3) == {"t1": OutcomeHistory(3, 1, 0)}
        assert store.outcome_history("app", runs=2) == {"t1": OutcomeHistory(2, 0, 0)}
        assert store.outcome_history("app") == {"t1": OutcomeHistory(4, 2, 0)}
        assert store.outcome_history("other", runs=3) == {"t1": OutcomeHistory(3, 0, 0)}


class CoverageStoreContract:
    """What every ``CoverageStore`` must do."""

    def test_it_is_a_coverage_store(self, store: CoverageStore) -> None:
        assert isinstance(store, CoverageStore)

    def test_an_app_without_a_coverage_map_has_none(self, store: CoverageStore) -> None:
        store.save_coverage(CoverageMap("other", "abc", {"a.py": {"t": (1,)}}))
        assert store.coverage("app") is None
        assert store.coverage("app", ["a.py"]) is None

    def test_a_coverage_map_round_trips(self, store: CoverageStore) -> None:
        recorded = CoverageMap(
            app="app",
            commit="abc123",
            lines={
                "src/pay.py": {
                    "tests/test_pay.py::test_refund[eur-'; DROP TABLE runs; --]": (1, 2, 3, 9),
                    "tests/test_pay.py::TestCard::test_charge": (5,),
                },
                "src/big módulo.py": {"tests/test_big.py::test_far": (3, 65_535, 65_536, 70_000)},
            },
            stale=("src/dirty.py", "tests/test_new.py"),
            recorded_at=1_700_000_000.25,
        )
        store.save_coverage(recorded)
        assert store.coverage("app") == recorded
        assert store.coverage("app", None) == recorded

    def test_coverage_is_restricted_to_the_files_asked_for(self, store: CoverageStore) -> None:
        lines = {f"f{i}.py": {"t1": (i,), "t2": (i, i + 1)} for i in range(1, 4)}
        store.save_coverage(CoverageMap("app", "abc", lines, stale=("f3.py",)))
        two = store.coverage("app", ["f1.py", "f3.py", "missing.py"])
        assert two == CoverageMap(
            "app", "abc", {"f1.py": lines["f1.py"], "f3.py": lines["f3.py"]}, stale=("f3.py",)
        )
        assert store.coverage("app", []) == CoverageMap("app", "abc", {}, stale=("f3.py",))

    def test_a_new_coverage_map_replaces_the_app_s_old_one(self, store: CoverageStore) -> None:
        store.save_coverage(
            CoverageMap("app", "old", {"gone.py": {"t": (1,)}, "kept.py": {"t": (1,)}})
        )
        store.save_coverage(CoverageMap("other", "o", {"x.py": {"t": (7,)}}))
        newer = CoverageMap("app", "new", {"kept.py": {"t": (2,), "u": (3,)}}, recorded_at=5.0)
        store.save_coverage(newer)
        assert store.coverage("app") == newer
        assert store.coverage("app", ["gone.py"]) == CoverageMap("app", "new", recorded_at=5.0)
        assert store.coverage("other") == CoverageMap("other", "o", {"x.py": {"t": (7,)}})


class FailureStoreContract:
    """What every ``FailureStore`` must do."""

    def test_it_is_a_failure_store(self, store: FailureStore) -> None:
        assert isinstance(store, FailureStore)

    def test_failure_history_counts_occurrences_and_runs(self, store: FailureStore) -> None:
        first = Failure(_store_result("t1", Outcome.FAILED), fingerprint="fp1", category="x")
        second = Failure(_store_result("t2", Outcome.FAILED), fingerprint="fp1")
        store.record_failures("r1", "c1", [first, second])
        store.record_failures("r1", "c1", [first])  # the same run again changes nothing
        store.record_failures("r2", "c2", [first])
        known = store.failure_history(["fp1", "unknown"])
        assert list(known) == ["fp1"]
        history = known["fp1"]
        assert (history.first_run, history.first_commit) == ("r1", "c1")
        assert (history.last_run, history.last_commit) == ("r2", "c2")
        assert (history.occurrences, history.runs, history.issue) == (3, 2, "")

    def test_an_issue_is_linked_to_a_known_fingerprint(self, store: FailureStore) -> None:
        store.record_failures("r1", "c1", [Failure(_store_result("t1"), fingerprint="fp1")])
        store.link_issue("fp1", "SHOP-7", "r1")
        store.link_issue("unknown", "SHOP-8")
        known = store.failure_history(["fp1", "unknown"])
        assert list(known) == ["fp1"]
        assert (known["fp1"].issue, known["fp1"].filed_run) == ("SHOP-7", "r1")


class StoreContract(
    RunStoreContract, HistoryStoreContract, CoverageStoreContract, FailureStoreContract
):
    """What every Store adapter must do: every store port's contract."""

    def test_it_is_a_store(self, store: Store) -> None:
        assert isinstance(store, Store)
        assert store.PLUGIN_NAME
