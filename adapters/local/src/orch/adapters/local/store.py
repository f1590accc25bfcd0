"""SqliteStore: orch's runs, results and test durations in ``<state dir>/orch.db``.

WAL mode lets ``orch status`` read from another process while a run writes; each Progress batch
is one transaction. Text from tests is untrusted and only ever passed as SQL parameters.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from orch.ports import EnvironmentProblem, Outcome, Progress, RunningTest, RunRecord, TestResult

SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of the schema this module writes."""

DURATION_WEIGHT = 0.5
"""Weight of the newest duration in the moving average kept per test."""

_SCHEMA = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    "commit" TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    exit_code INTEGER,
    status TEXT NOT NULL,
    pid INTEGER NOT NULL,
    spec TEXT NOT NULL,
    planned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_started ON runs (started_at);
CREATE TABLE attempts (
    run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL, attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL, duration REAL NOT NULL, message TEXT NOT NULL, longrepr TEXT NOT NULL,
    stdout TEXT NOT NULL, stderr TEXT NOT NULL, markers TEXT NOT NULL, file TEXT NOT NULL,
    UNIQUE (run_id, app, nodeid, attempt)
);
CREATE TABLE results (
    run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL, attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL, duration REAL NOT NULL, message TEXT NOT NULL, longrepr TEXT NOT NULL,
    stdout TEXT NOT NULL, stderr TEXT NOT NULL, markers TEXT NOT NULL, file TEXT NOT NULL,
    PRIMARY KEY (run_id, app, nodeid)
);
CREATE TABLE running (
    run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL, started_at REAL NOT NULL,
    PRIMARY KEY (run_id, app, nodeid)
);
CREATE TABLE durations (
    app TEXT NOT NULL, nodeid TEXT NOT NULL, seconds REAL NOT NULL,
    PRIMARY KEY (app, nodeid)
);
"""

_RESULT_COLUMNS = (
    "app, nodeid, attempt, outcome, duration, message, longrepr, stdout, stderr, markers, file"
)
_RUN_COLUMNS = 'id, workflow, "commit", started_at, ended_at, exit_code, status, pid, spec'
_UPDATABLE = frozenset({"ended_at", "exit_code", "status", "pid"})
_BROKEN_FILE = frozenset({sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_CANTOPEN})


def _text(text: str) -> str:
    """``text`` as SQLite can store it: lone surrogates (from JSON ``\\udcxx`` escapes) replaced."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode(errors="replace").decode()
    return text


def _result_rows(run_id: str, results: Iterable[TestResult]) -> Iterator[tuple[Any, ...]]:
    for r in results:
        yield (
            run_id,
            _text(r.app),
            _text(r.nodeid),
            r.attempt,
            Outcome(r.outcome).value,
            r.duration,
            _text(r.message),
            _text(r.longrepr),
            _text(r.stdout),
            _text(r.stderr),
            json.dumps(list(r.markers)) if r.markers else "[]",
            _text(r.file),
        )


def _result(row: tuple[Any, ...]) -> TestResult:
    app, nodeid, attempt, outcome, duration, message, longrepr, stdout, stderr, markers, file = row
    return TestResult(
        app=app,
        nodeid=nodeid,
        outcome=Outcome(outcome),
        duration=duration,
        message=message,
        longrepr=longrepr,
        stdout=stdout,
        stderr=stderr,
        markers=tuple(json.loads(markers)),
        attempt=attempt,
        file=file,
    )


class SqliteStore:
    """The Store of orch runs in SQLite; one instance per process, safe to share between threads."""

    PLUGIN_NAME: ClassVar[str] = "sqlite"

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "orch.db"
        _prepare_state_dir(Path(state_dir))
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
        except sqlite3.DatabaseError as error:
            raise self._unreadable(error) from error
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise self._unreadable(error) from error
        except BaseException:
            self._db.close()
            raise

    def _unreadable(self, error: sqlite3.DatabaseError) -> Exception:
        """What to raise when SQLite cannot use the file: EnvironmentProblem if it is broken."""
        if error.sqlite_errorcode & 0xFF not in _BROKEN_FILE:
            return error
        return EnvironmentProblem(
            f"{self.path} is not a readable orch database ({error.sqlite_errorname}); "
            "move it away and orch will start a new one"
        )

    def _migrate(self) -> None:
        """Create the schema in a new database; refuse one written by a newer orch.

        A database that is already current is only read, so ``orch status`` never waits for the
        write lock of a running run.
        """
        if self._schema_version() == SCHEMA_VERSION:
            return
        with self._write() as db:
            if self._schema_version() == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _schema_version(self) -> int:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise EnvironmentProblem(
                f"{self.path} was written by a newer orch (schema {version}); "
                "upgrade orch or move the file away"
            )
        return version

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the database's write lock up front."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def create_run(self, record: RunRecord) -> None:
        """Record a new run; its id must not exist yet."""
        try:
            with self._write() as db:
                db.execute(
                    f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.id,
                        record.workflow,
                        record.commit,
                        record.started_at,
                        record.ended_at,
                        record.exit_code,
                        record.status,
                        record.pid,
                        record.spec,
                    ),
                )
        except sqlite3.IntegrityError as error:
            raise ValueError(f"run {record.id!r} already exists in {self.path}") from error

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or None."""
        rows = self._read(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        return RunRecord(*rows[0]) if rows else None

    def latest_run(self) -> RunRecord | None:
        """The most recently started run, or None when there is none."""
        runs = self.list_runs(limit=1)
        return runs[0] if runs else None

    def list_runs(self, limit: int = 20) -> list[RunRecord]:
        """Up to ``limit`` runs, the most recently started first."""
        rows = self._read(
            f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?",
            (limit,),
        )
        return [RunRecord(*row) for row in rows]

    def update_run(self, run_id: str, **changes: Any) -> None:
        """Change ``ended_at``, ``exit_code``, ``status`` or ``pid`` of a run."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)} of a run: only {sorted(_UPDATABLE)}")
        if not changes:
            return
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._write() as db:
            cursor = db.execute(
                f"UPDATE runs SET {assignments} WHERE id = ?", (*changes.values(), run_id)
            )
            if cursor.rowcount == 0:
                raise KeyError(run_id)

    def record(self, run_id: str, progress: Progress) -> None:
        """Write one batch of progress in one transaction; a second final of a test is ignored."""
        placeholders = ", ".join("?" * 12)
        with self._write() as db:
            if db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise KeyError(run_id)
            db.executemany(
                f"INSERT OR IGNORE INTO attempts (run_id, {_RESULT_COLUMNS}) "
                f"VALUES ({placeholders})",
                _result_rows(run_id, progress.attempts),
            )
            db.executemany(
                f"INSERT OR IGNORE INTO results (run_id, {_RESULT_COLUMNS}) "
                f"VALUES ({placeholders})",
                _result_rows(run_id, progress.finals),
            )
            db.executemany(
                "INSERT OR REPLACE INTO running (run_id, app, nodeid, started_at) "
                "VALUES (?, ?, ?, ?)",
                ((run_id, _text(t.app), _text(t.nodeid), t.started_at) for t in progress.started),
            )
            db.executemany(
                "DELETE FROM running WHERE run_id = ? AND app = ? AND nodeid = ?",
                ((run_id, _text(app), _text(nodeid)) for app, nodeid in progress.finished),
            )
            if progress.planned is not None:
                db.execute("UPDATE runs SET planned = ? WHERE id = ?", (progress.planned, run_id))
            db.executemany(
                "INSERT INTO durations (app, nodeid, seconds) VALUES (?, ?, ?) "
                "ON CONFLICT (app, nodeid) DO UPDATE "
                "SET seconds = seconds * (1 - ?4) + excluded.seconds * ?4",
                (
                    (_text(app), _text(nodeid), seconds, DURATION_WEIGHT)
                    for (app, nodeid), seconds in progress.durations.items()
                ),
            )

    def final_results(self, run_id: str) -> list[TestResult]:
        """The final result of every finished test of a run, in the order they were recorded."""
        rows = self._read(
            f"SELECT {_RESULT_COLUMNS} FROM results WHERE run_id = ? ORDER BY rowid", (run_id,)
        )
        return [_result(row) for row in rows]

    def attempts(self, run_id: str) -> list[TestResult]:
        """Every attempt at every test of a run, retries included, in the order recorded."""
        rows = self._read(
            f"SELECT {_RESULT_COLUMNS} FROM attempts WHERE run_id = ? ORDER BY rowid", (run_id,)
        )
        return [_result(row) for row in rows]

    def running(self, run_id: str) -> list[RunningTest]:
        """Tests the run started and has not finished yet, the longest-running first."""
        rows = self._read(
            "SELECT app, nodeid, started_at FROM running WHERE run_id = ? "
            "ORDER BY started_at, rowid",
            (run_id,),
        )
        return [RunningTest(*row) for row in rows]

    def planned(self, run_id: str) -> int:
        """How many tests the run planned to run (0 when unknown)."""
        rows = self._read("SELECT planned FROM runs WHERE id = ?", (run_id,))
        return rows[0][0] if rows else 0

    def durations(self, app: str) -> dict[str, float]:
        """The moving average of each test's duration in seconds, across runs."""
        rows = self._read("SELECT nodeid, seconds FROM durations WHERE app = ?", (app,))
        return dict(rows)

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()


def _prepare_state_dir(state_dir: Path) -> None:
    """Create the state directory with a ``.gitignore`` of ``*`` so git never sees orch's state."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        ignore = state_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
    except OSError as error:
        raise EnvironmentProblem(
            f"cannot create orch's state directory {state_dir}: {error.strerror}; "
            "set ORCH_HOME to a writable directory"
        ) from error
