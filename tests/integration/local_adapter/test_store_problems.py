"""Every problem of orch's SQLite file is one StoreProblem that names it and says what to do:
damaged pages (heavy or light), foreign and half-written schemas, values orch never wrote, a file
cut short under a run, a full disk, and a read-only state directory, which is still read."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from read_only import read_only

from orch.adapters.local import SqliteStore
from orch.adapters.local.store import SCHEMA_VERSION
from orch.ports import Outcome, Progress, RunRecord, StoreProblem, TestResult


def stored(state: Path, runs: int = 2, tests: int = 50) -> Path:
    """A state directory whose store holds ``runs`` runs of ``tests`` results, closed."""
    store = SqliteStore(state)
    for r in range(runs):
        store.create_run(RunRecord(id=f"r{r}", workflow="orch.yaml", commit="c", started_at=r))
        finals = [
            TestResult("app", f"tests/test_{i}.py::test", Outcome.PASSED, message="fine " * 20)
            for i in range(tests)
        ]
        store.record(f"r{r}", Progress(finals=finals, planned=tests))
        store.update_run(f"r{r}", status="finished", exit_code=0)
    store.close()
    return state / "orch.db"


def root_page_offset(db_path: Path, table: str) -> int:
    """Where the b-tree page of ``table``'s root starts in the file."""
    db = sqlite3.connect(db_path)
    page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return (page - 1) * size


def test_heavy_page_corruption_is_one_line_at_open(tmp_path: Path) -> None:
    path = stored(tmp_path)
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xab" * (len(data) - 4096)  # every page but the first
    path.write_bytes(bytes(data))
    with pytest.raises(StoreProblem, match="not a readable orch database.*move it away") as found:
        SqliteStore(tmp_path)
    assert str(path) in str(found.value) and "\n" not in str(found.value)


def test_one_flipped_bit_in_a_page_header_is_noticed_at_open(tmp_path: Path) -> None:
    """Light damage in a table nobody reads yet is found by the check every open makes."""
    path = stored(tmp_path)
    data = bytearray(path.read_bytes())
    data[root_page_offset(path, "durations")] ^= 0x01  # its b-tree page type: now invalid
    path.write_bytes(bytes(data))
    with pytest.raises(StoreProblem, match="integrity check: .*move it away"):
        SqliteStore(tmp_path)


def test_a_stored_text_that_is_not_utf8_is_damage_and_not_quoted(tmp_path: Path) -> None:
    path = stored(tmp_path, runs=1, tests=1)
    db = sqlite3.connect(path)
    db.execute("UPDATE results SET message = CAST(X'73656372657480ff' AS TEXT)")  # secret\x80\xff
    db.commit()
    db.close()
    store = SqliteStore(tmp_path)
    with pytest.raises(StoreProblem, match="not UTF-8") as found:
        store.final_results("r0")
    assert "secret" not in str(found.value)
    store.close()


def test_a_value_of_the_wrong_type_is_damage(tmp_path: Path) -> None:
    path = stored(tmp_path, runs=1, tests=1)
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET started_at = 'yesterday'")
    db.execute("UPDATE results SET outcome = 'exploded'")
    db.commit()
    db.close()
    store = SqliteStore(tmp_path)
    with pytest.raises(StoreProblem, match="not what orch wrote"):
        store.list_runs()
    with pytest.raises(StoreProblem, match="not what orch wrote"):
        store.final_results("r0")
    store.close()


def test_a_database_of_another_program_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "orch.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (x)")  # even one named like orch's
    db.execute("CREATE TABLE invoices (number INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(StoreProblem, match="tables of another program.*move it away"):
        SqliteStore(tmp_path)
    db = sqlite3.connect(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert tables == {"runs", "invoices"}, "orch added nothing to it"


def test_a_database_of_other_tables_at_orchs_version_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "orch.db")
    db.execute("CREATE TABLE invoices (number INTEGER)")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    db.commit()
    db.close()
    with pytest.raises(StoreProblem, match="no table attempts"):
        SqliteStore(tmp_path)


def test_an_orch_schema_missing_a_column_is_refused(tmp_path: Path) -> None:
    path = stored(tmp_path, runs=1, tests=1)
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE runs DROP COLUMN planned")
    db.commit()
    db.close()
    with pytest.raises(StoreProblem, match="table runs has no column planned"):
        SqliteStore(tmp_path)


def test_an_empty_file_becomes_a_new_store(tmp_path: Path) -> None:
    (tmp_path / "orch.db").write_bytes(b"")
    store = SqliteStore(tmp_path)
    assert store.list_runs() == []
    store.close()


def test_a_file_cut_short_under_a_run_is_found_at_the_runs_end(tmp_path: Path) -> None:
    """Found by the end of the run at the latest, which reads the file back afresh (the
    writer's own cache may hide the loss)."""
    stored(tmp_path, runs=3, tests=200)
    store = SqliteStore(tmp_path)
    store.create_run(RunRecord(id="live", workflow="orch.yaml", commit="c", started_at=9.0))
    os.truncate(tmp_path / "orch.db", 8192)
    store.record("live", Progress(finals=[TestResult("app", "t", Outcome.PASSED)]))
    with pytest.raises(StoreProblem, match="not a readable orch database.*move it away"):
        store.update_run("live", status="finished", exit_code=0)
    store.close()


def test_a_full_disk_is_one_line_and_the_batch_is_not_half_written(tmp_path: Path) -> None:
    stored(tmp_path, runs=1, tests=1)
    store = SqliteStore(tmp_path)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count={pages}")  # what a full disk looks like to SQLite
    big = [TestResult("app", f"t{i}", Outcome.PASSED, stdout="x" * 5000) for i in range(50)]
    with pytest.raises(StoreProblem, match="disk is full"):
        store.record("r0", Progress(finals=big))
    assert len(store.final_results("r0")) == 1
    store.close()


READER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orch.adapters.local import SqliteStore
    from orch.ports import RunRecord, StoreProblem

    store = SqliteStore(Path(sys.argv[1]))
    print(len(store.list_runs()), len(store.final_results("r0")), store.read_only)
    try:
        store.create_run(RunRecord(id="new", workflow="w", commit="c", started_at=1.0))
    except StoreProblem as problem:
        print(problem)
    """
)


@pytest.mark.parametrize("left_by", ["a finished command", "a killed run"])
def test_a_read_only_state_directory_is_read_and_refuses_writes(tmp_path, left_by) -> None:
    state = tmp_path / ".orch"
    stored(state)
    if left_by == "a killed run":  # its -wal and -shm files stay beside the database
        keep = sqlite3.connect(state / "orch.db")
        keep.execute("PRAGMA wal_autocheckpoint=0")
        keep.execute("UPDATE runs SET status = 'running' WHERE id = 'r1'")
        keep.commit()
        assert (state / "orch.db-wal").exists()
    with read_only(state, tmp_path / "probe") as prefix:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", READER, str(state)], capture_output=True, text=True
        )
        if left_by == "a killed run":
            keep.close()
    assert done.returncode == 0, done.stderr
    counts, problem = done.stdout.splitlines()
    assert counts == "2 50 True"
    assert problem.startswith(f"{state / 'orch.db'} is read-only") and "ORCH_HOME" in problem


def test_a_file_removed_under_a_run_is_found_at_the_runs_end(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    store.create_run(RunRecord(id="live", workflow="orch.yaml", commit="c", started_at=9.0))
    (tmp_path / "orch.db").unlink()
    store.record("live", Progress(finals=[TestResult("app", "t", Outcome.PASSED)]))
    with pytest.raises(StoreProblem, match="was removed while orch wrote it"):
        store.update_run("live", status="finished", exit_code=0)
    store.close()
