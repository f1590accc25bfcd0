"""A database written before the store spoke values (status text, spec JSON, count tuples) reads
through the new ones: RunState, RunSpec, OutcomeHistory and a failure's FailureStanding.

The database is made here with raw sqlite3, row by row as orch wrote its schema 3, so a change
of the store that stops reading what older versions left fails here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from orch.adapters.local import SqliteStore
from orch.core.triage.analysis import triage
from orch.ports import (
    FailureStanding,
    Outcome,
    OutcomeHistory,
    RunSpec,
    RunState,
    Standing,
    StoreProblem,
    TestFilter,
    TestResult,
    TriageSettings,
)

SCHEMA_3 = """
CREATE TABLE runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, "commit" TEXT NOT NULL,
    started_at REAL NOT NULL, ended_at REAL, exit_code INTEGER, status TEXT NOT NULL,
    pid INTEGER NOT NULL, spec TEXT NOT NULL, planned INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_started ON runs (started_at);
CREATE TABLE attempts (run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL,
    attempt INTEGER NOT NULL, outcome TEXT NOT NULL, duration REAL NOT NULL,
    message TEXT NOT NULL, longrepr TEXT NOT NULL, stdout TEXT NOT NULL, stderr TEXT NOT NULL,
    markers TEXT NOT NULL, file TEXT NOT NULL, UNIQUE (run_id, app, nodeid, attempt));
CREATE TABLE results (run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL,
    attempt INTEGER NOT NULL, outcome TEXT NOT NULL, duration REAL NOT NULL,
    message TEXT NOT NULL, longrepr TEXT NOT NULL, stdout TEXT NOT NULL, stderr TEXT NOT NULL,
    markers TEXT NOT NULL, file TEXT NOT NULL, PRIMARY KEY (run_id, app, nodeid));
CREATE TABLE running (run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL,
    started_at REAL NOT NULL, PRIMARY KEY (run_id, app, nodeid));
CREATE TABLE durations (app TEXT NOT NULL, nodeid TEXT NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (app, nodeid));
CREATE TABLE coverage_maps (app TEXT PRIMARY KEY, "commit" TEXT NOT NULL, stale TEXT NOT NULL,
    recorded_at REAL NOT NULL);
CREATE TABLE coverage_lines (app TEXT NOT NULL, file TEXT NOT NULL, nodeid TEXT NOT NULL,
    lines BLOB NOT NULL, PRIMARY KEY (app, file, nodeid)) WITHOUT ROWID;
CREATE TABLE fingerprints (fingerprint TEXT PRIMARY KEY, first_run TEXT NOT NULL,
    first_commit TEXT NOT NULL, last_run TEXT NOT NULL, last_commit TEXT NOT NULL,
    occurrences INTEGER NOT NULL, runs INTEGER NOT NULL, issue TEXT NOT NULL DEFAULT '',
    filed_run TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE TABLE failures (run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL,
    fingerprint TEXT NOT NULL, cluster TEXT NOT NULL, category TEXT NOT NULL,
    assigned_to TEXT NOT NULL, PRIMARY KEY (run_id, app, nodeid));
CREATE INDEX failures_by_fingerprint ON failures (fingerprint);
PRAGMA user_version=3;
"""

FULL_SPEC = (
    '{"directory": "/work/shop", "workflow": "/work/shop/orch.yaml", "workers": 4, '
    '"timeout": 30.0, "select": "changed", "base": "main", "apps": ["pay"], "filters": '
    '{"pay": {"paths": ["tests/test_pay.py"], "keyword": "refund", "marker": "", "tests": [], '
    '"runner_args": ["-x"]}}}'
)
"""What ``orch run`` wrote since it saved the narrowing (every option given)."""

FIRST_SPEC = '{"directory": "/work/shop", "workflow": null, "retries": 2}'
"""What the first ``orch run`` wrote: the directory, the workflow and the options given."""

RUNS = [  # id, started_at, status, exit code, spec
    ("r1", 1.0, "finished", 1, FULL_SPEC),
    ("r2", 2.0, "finished", 0, FIRST_SPEC),
    ("r3", 3.0, "interrupted", None, ""),
    ("r4", 4.0, "running", None, "{}"),
]
OUTCOMES = {"r1": ("failed", "flaky"), "r2": ("passed", "flaky"), "r3": ("failed", "failed")}
FLAKY = TestResult("pay", "t2", Outcome.FLAKY, message="passed on attempt 2")


def fingerprint_of(result: TestResult) -> str:
    [failure] = triage([result], TriageSettings()).failures
    return failure.fingerprint


def old_database(state: Path) -> None:
    """``state/orch.db`` as orch wrote it before the store's values: runs, results, a failure."""
    state.mkdir()
    db = sqlite3.connect(state / "orch.db")
    db.executescript(SCHEMA_3)
    for run_id, started, status, code, spec in RUNS:
        db.execute(
            "INSERT INTO runs VALUES (?, 'orch.yaml', 'c1', ?, ?, ?, ?, 7, ?, 2)",
            (run_id, started, started + 0.5, code, status, spec),
        )
    for run_id, (first, second) in OUTCOMES.items():
        for nodeid, outcome in (("t1", first), ("t2", second)):
            db.execute(
                "INSERT INTO results VALUES (?, 'pay', ?, 1, ?, 0.5, '', '', '', '', '[]', '')",
                (run_id, nodeid, outcome),
            )
    db.execute(
        "INSERT INTO fingerprints VALUES (?, 'r1', 'c1', 'r2', 'c1', 2, 2, 'SHOP-7', 'r2')",
        (fingerprint_of(FLAKY),),
    )
    db.commit()
    db.close()


@pytest.fixture
def store(tmp_path: Path):
    old_database(tmp_path / ".orch")
    store = SqliteStore(tmp_path / ".orch")
    yield store
    store.close()


def test_runs_read_with_their_state_and_spec(store: SqliteStore) -> None:
    states = {r.id: r.status for r in store.list_runs()}
    assert states == {
        "r4": RunState.RUNNING,
        "r3": RunState.INTERRUPTED,
        "r2": RunState.FINISHED,
        "r1": RunState.FINISHED,
    }
    full = store.get_run("r1")
    assert full is not None and full.spec == RunSpec(
        directory=Path("/work/shop"),
        workflow=Path("/work/shop/orch.yaml"),
        workers=4,
        timeout=30.0,
        select="changed",
        base="main",
        apps=("pay",),
        filters={"pay": TestFilter(("tests/test_pay.py",), "refund", runner_args=("-x",))},
    )
    first = store.get_run("r2")
    assert first is not None
    assert first.spec == RunSpec(directory=Path("/work/shop"), retries=2)
    unspecified = [store.get_run(run_id) for run_id in ("r3", "r4")]
    assert [record.spec if record else "missing" for record in unspecified] == [None, RunSpec()]


def test_a_spec_writes_back_as_it_was_read(store: SqliteStore) -> None:
    for run_id, spec in (("r1", FULL_SPEC), ("r2", FIRST_SPEC)):
        record = store.get_run(run_id)
        assert record is not None and record.spec is not None
        assert record.spec.as_json() == spec


def test_outcome_history_counts_the_finished_runs(store: SqliteStore) -> None:
    assert store.outcome_history("pay") == {
        "t1": OutcomeHistory(runs=2, failures=1, flaky=0),
        "t2": OutcomeHistory(runs=2, failures=0, flaky=2),
    }


def test_a_failure_stands_as_before(store: SqliteStore) -> None:
    """t2 flaky again: its fingerprint's issue and flaky runs, shown as orch showed them."""
    [failure] = triage([FLAKY], TriageSettings(), store=store, run_id="r5").failures
    assert failure.history == FailureStanding(Standing.FLAKY, flaky_rate=1.0, issue="SHOP-7")
    assert str(failure.history) == "flaky, 100% of recent runs, SHOP-7"


def test_a_status_no_orch_wrote_is_a_damaged_store(tmp_path: Path) -> None:
    old_database(tmp_path / ".orch")
    db = sqlite3.connect(tmp_path / ".orch" / "orch.db")
    db.execute("UPDATE runs SET status = 'exploded' WHERE id = 'r1'")
    db.execute("UPDATE runs SET spec = '{\"workers\": \"four\"}' WHERE id = 'r2'")
    db.commit()
    db.close()
    store = SqliteStore(tmp_path / ".orch")
    try:
        with pytest.raises(StoreProblem, match="not a readable orch database.*'exploded'"):
            store.get_run("r1")
        with pytest.raises(StoreProblem, match=r"\$\.workers"):
            store.get_run("r2")
    finally:
        store.close()
