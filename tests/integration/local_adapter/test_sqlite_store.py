"""SqliteStore on real files: state directory, WAL, a reader in another process, bad files."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from orch.adapters.local import SqliteStore
from orch.adapters.local.store import SCHEMA_VERSION
from orch.ports import (
    CoverageMap,
    EnvironmentProblem,
    Outcome,
    Progress,
    RunningTest,
    RunRecord,
    TestResult,
)


def new_run(store: SqliteStore, run_id: str = "r1") -> None:
    store.create_run(RunRecord(id=run_id, workflow="orch.yaml", commit="abc", started_at=1.0))


def results(count: int, start: int = 0) -> list[TestResult]:
    return [
        TestResult(app="app", nodeid=f"tests/test_{i}.py::test", outcome=Outcome.PASSED)
        for i in range(start, start + count)
    ]


def test_the_state_dir_is_created_and_ignored_by_git(tmp_path: Path) -> None:
    state = tmp_path / "a" / ".orch"
    SqliteStore(state).close()
    assert (state / "orch.db").is_file()
    assert (state / ".gitignore").read_text() == "*\n"


def test_an_existing_gitignore_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("orch.db\n")
    SqliteStore(tmp_path).close()
    assert (tmp_path / ".gitignore").read_text() == "orch.db\n"


def test_the_database_is_in_wal_mode_with_a_versioned_schema(tmp_path: Path) -> None:
    SqliteStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / "orch.db")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()


def test_a_store_reopens_what_an_earlier_one_wrote(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    new_run(store)
    store.record("r1", Progress(finals=results(3), planned=3))
    store.close()
    again = SqliteStore(tmp_path)
    assert again.final_results("r1") == results(3)
    assert again.planned("r1") == 3
    again.close()


def test_a_version_1_database_keeps_its_runs_and_gains_coverage_maps(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    new_run(store)
    store.record("r1", Progress(finals=results(2)))
    store.close()
    db = sqlite3.connect(tmp_path / "orch.db")
    db.executescript(
        "DROP TABLE coverage_maps; DROP TABLE coverage_lines; DROP TABLE fingerprints; "
        "DROP TABLE failures; PRAGMA user_version=1"
    )
    db.close()
    again = SqliteStore(tmp_path)
    assert again.final_results("r1") == results(2)
    recorded = CoverageMap("app", "abc", {"src/a.py": {"tests/test_a.py::test": (1, 2)}})
    again.save_coverage(recorded)
    assert again.coverage("app") == recorded
    again.close()
    db = sqlite3.connect(tmp_path / "orch.db")
    assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    db.close()


def big_coverage_map(tests: int = 10_000, files: int = 3) -> CoverageMap:
    """A map of ``tests`` tests, each running its own four stretches of six lines per file."""
    lines: dict[str, dict[str, tuple[int, ...]]] = {}
    for f in range(files):
        lines[f"src/pkg/module_{f}.py"] = {
            f"tests/test_{n // 50}.py::test_{n}[case-{n % 7}]": tuple(
                line
                for start in (n % 1000 + 1, 1100 + n // 1000 * 10, 1300 + f, 1500)
                for line in range(start, start + 6)
            )
            for n in range(tests)
        }
    return CoverageMap("app", "abc", lines, stale=("src/pkg/dirty.py",), recorded_at=1.0)


def test_a_map_of_ten_thousand_tests_round_trips(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    recorded = big_coverage_map()
    store.save_coverage(recorded)
    assert store.coverage("app") == recorded
    wanted = ["src/pkg/module_0.py", "src/pkg/module_2.py"]
    two = store.coverage("app", wanted)
    assert two is not None and two.lines == {f: recorded.lines[f] for f in wanted}
    store.close()


def test_coverage_of_more_files_than_one_query_can_name(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    lines = {f"f{i}.py": {"t": (i + 1,)} for i in range(1_200)}
    store.save_coverage(CoverageMap("app", "abc", lines))
    asked = [*lines, "missing.py"]
    found = store.coverage("app", asked)
    assert found is not None and found.lines == lines
    store.close()


def test_ten_thousand_results_in_batches_of_a_hundred(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    new_run(store)
    for start in range(0, 10_000, 100):
        batch = results(100, start)
        store.record(
            "r1",
            Progress(
                attempts=batch,
                finals=batch,
                started=[RunningTest(r.app, r.nodeid, 1.0) for r in batch],
                finished=[(r.app, r.nodeid) for r in batch],
                durations={(r.app, r.nodeid): 0.1 for r in batch},
            ),
        )
    assert len(store.final_results("r1")) == 10_000
    assert len(store.attempts("r1")) == 10_000
    assert store.running("r1") == []
    assert len(store.durations("app")) == 10_000
    store.close()


def test_a_failing_batch_writes_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    new_run(store)
    bogus = TestResult(app="app", nodeid="t", outcome="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.record("r1", Progress(attempts=results(2), finals=[*results(2), bogus], planned=5))
    assert (store.attempts("r1"), store.final_results("r1"), store.planned("r1")) == ([], [], 0)
    store.close()


@pytest.mark.timeout(10)
def test_opening_a_current_database_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    SqliteStore(tmp_path).close()
    writer = sqlite3.connect(tmp_path / "orch.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO runs VALUES ('w', 'w', 'c', 1.0, NULL, NULL, 'running', 1, '', 0)")
    reader = SqliteStore(tmp_path)
    assert reader.get_run("w") is None
    writer.execute("COMMIT")
    assert reader.get_run("w") is not None
    reader.close()
    writer.close()


READER = """
    import json, sys, time
    from pathlib import Path
    from orch.adapters.local import SqliteStore
    store = SqliteStore(Path(sys.argv[1]))
    print("ready", flush=True)
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        count = len(store.final_results("r1"))
        seen.append([count, store.planned("r1"), len(store.running("r1"))])
        if count == int(sys.argv[2]):
            break
    print(json.dumps(seen))
"""


def test_another_process_reads_whole_batches_while_a_run_writes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    new_run(store)
    batches, size = 50, 100
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(READER), str(tmp_path), str(batches * size)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None
    assert reader.stdout.readline() == "ready\n"
    for i in range(batches):
        batch = results(size, i * size)
        started = [RunningTest(r.app, r.nodeid, 1.0) for r in results(size, (i + 1) * size)]
        store.record(
            "r1",
            Progress(
                finals=batch,
                planned=(i + 1) * size,
                started=started,
                finished=[(r.app, r.nodeid) for r in batch],
            ),
        )
    seen = json.loads(reader.stdout.read())
    assert reader.wait() == 0
    store.close()
    assert seen[-1][0] == batches * size
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    for count, planned, running in seen:
        assert count % size == 0, "a reader saw half a batch"
        assert planned >= count, "planned is read after the count"
        assert running in (0, size)


def test_a_file_that_is_not_a_database_says_to_move_it_away(tmp_path: Path) -> None:
    (tmp_path / "orch.db").write_bytes(b"this is not sqlite\n" * 200)
    with pytest.raises(EnvironmentProblem, match="move it away") as problem:
        SqliteStore(tmp_path)
    assert str(tmp_path / "orch.db") in str(problem.value)


def test_a_directory_in_place_of_the_database_is_an_environment_problem(tmp_path: Path) -> None:
    (tmp_path / "orch.db").mkdir()
    with pytest.raises(EnvironmentProblem, match="orch.db"):
        SqliteStore(tmp_path)


def test_a_database_from_a_newer_orch_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "orch.db")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(EnvironmentProblem, match="newer orch"):
        SqliteStore(tmp_path)


def test_a_state_dir_that_cannot_be_created_is_an_environment_problem(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(EnvironmentProblem, match="ORCH_HOME"):
        SqliteStore(tmp_path / "file" / ".orch")


def test_opening_waits_while_another_process_holds_a_new_database(tmp_path: Path) -> None:
    """Opening the store while another connection holds the database waits for it, rather than
    failing with "database is locked" (the busy case SQLite itself waits for)."""
    holder = sqlite3.connect(tmp_path / "orch.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE busy (x)")
    holder.execute("DROP TABLE busy")  # the lock is held; the database stays empty
    releaser = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    releaser.start()
    try:
        store = SqliteStore(tmp_path)
    finally:
        releaser.join()
        holder.close()
    assert store.latest_run() is None
    store.close()
