"""SqliteStore: orch's runs, results, test durations and coverage maps in ``<state dir>/orch.db``.

WAL mode lets ``orch status`` read from another process while a run writes; each Progress batch
is one transaction. Text from tests is untrusted and only ever passed as SQL parameters. Every
SQLite error, and every stored value that cannot be what orch wrote, is a StoreProblem (see
``store_checks``); a store in a directory orch cannot write is opened read-only.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, ClassVar

from orch.adapters.local.store_checks import (
    connect_read_only,
    damaged,
    quick_check,
    read_only,
    schema_problem,
    sqlite_errors,
    store_problem,
    table_columns,
    writable,
)
from orch.ports import (
    CoverageMap,
    EnvironmentProblem,
    Failure,
    FailureHistory,
    Outcome,
    OutcomeHistory,
    Progress,
    RunningTest,
    RunRecord,
    RunSpec,
    RunState,
    StoreProblem,
    TestResult,
)

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

_COVERAGE_SCHEMA = """
CREATE TABLE coverage_maps (
    app TEXT PRIMARY KEY, "commit" TEXT NOT NULL, stale TEXT NOT NULL, recorded_at REAL NOT NULL
);
CREATE TABLE coverage_lines (
    app TEXT NOT NULL, file TEXT NOT NULL, nodeid TEXT NOT NULL, lines BLOB NOT NULL,
    PRIMARY KEY (app, file, nodeid)
) WITHOUT ROWID;
"""

_FAILURE_SCHEMA = """
CREATE TABLE fingerprints (
    fingerprint TEXT PRIMARY KEY, first_run TEXT NOT NULL, first_commit TEXT NOT NULL,
    last_run TEXT NOT NULL, last_commit TEXT NOT NULL, occurrences INTEGER NOT NULL,
    runs INTEGER NOT NULL, issue TEXT NOT NULL DEFAULT '', filed_run TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE failures (
    run_id TEXT NOT NULL, app TEXT NOT NULL, nodeid TEXT NOT NULL, fingerprint TEXT NOT NULL,
    cluster TEXT NOT NULL, category TEXT NOT NULL, assigned_to TEXT NOT NULL,
    PRIMARY KEY (run_id, app, nodeid)
);
CREATE INDEX failures_by_fingerprint ON failures (fingerprint);
"""

_MIGRATIONS = (_SCHEMA, _COVERAGE_SCHEMA, _FAILURE_SCHEMA)
"""``_MIGRATIONS[n]`` takes a database from schema version n to n + 1."""

SCHEMA_VERSION = len(_MIGRATIONS)
"""``PRAGMA user_version`` of the schema this module writes."""

_FAILURES = (Outcome.FAILED.value, Outcome.ERROR.value, Outcome.TIMEOUT.value)
"""Final outcomes that count as a failure in a test's history."""

_BIG_ENDIAN = sys.byteorder == "big"
"""Packed lines are little-endian on every machine, so a state directory can move."""

_RESULT_COLUMNS = (
    "app, nodeid, attempt, outcome, duration, message, longrepr, stdout, stderr, markers, file"
)
_UPDATED_COLUMNS = _RESULT_COLUMNS.split(", ")[2:]
_RUN_COLUMNS = 'id, workflow, "commit", started_at, ended_at, exit_code, status, pid, spec'
_UPDATABLE = frozenset({"ended_at", "exit_code", "status", "pid"})


@functools.cache
def _tables() -> dict[str, frozenset[str]]:
    """What a current database must hold (the tables and columns the migrations create, as an
    empty database shows); other tables beside them are left alone. Worked out when a store is
    first opened, not at import: every orch command loads the plugins."""
    db = sqlite3.connect(":memory:")
    try:
        for migration in _MIGRATIONS:
            db.executescript(migration)
        return table_columns(db)
    finally:
        db.close()


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


def _packed(lines: Sequence[int]) -> bytes:
    """Line numbers as unsigned 16-bit little-endian integers, decoded in C when read back.

    A test that ran a line past 65535 (or line 0) is stored as four zero bytes (a narrow list
    never starts with 0) then its lines as unsigned 32-bit integers.
    """
    wide = any(not 0 < line < 1 << 16 for line in lines)
    numbers = array("I" if wide else "H", lines)
    if _BIG_ENDIAN:
        numbers.byteswap()
    return bytes(4) + numbers.tobytes() if wide else numbers.tobytes()


def _unpacked(rows: Iterable[tuple[str, bytes]]) -> dict[str, tuple[int, ...]]:
    """nodeid -> lines for (nodeid, packed lines) rows; equal lists share one tuple."""
    decoded: dict[str, tuple[int, ...]] = {}
    seen: dict[bytes, tuple[int, ...]] = {}
    for nodeid, blob in rows:
        lines = seen.get(blob)
        if lines is None:
            numbers = array("H", blob)
            if numbers and not numbers[0]:
                numbers = array("I", blob[4:])
            if _BIG_ENDIAN:
                numbers.byteswap()
            lines = seen[blob] = tuple(numbers)
        decoded[nodeid] = lines
    return decoded


_TEXT, _INTEGER, _REAL, _NULL = (str,), (int,), (float, int), (type(None),)
_RESULT_TYPES = (_TEXT, _TEXT, _INTEGER, _TEXT, _REAL, *[_TEXT] * 6)
_RUN_TYPES = (*[_TEXT] * 3, _REAL, _REAL + _NULL, _INTEGER + _NULL, _TEXT, _INTEGER, _TEXT)
_HISTORY_TYPES = (*[_TEXT] * 5, _INTEGER, _INTEGER, _TEXT, _TEXT)


def _typed(row: tuple[Any, ...], kinds: Sequence[tuple[type, ...]]) -> tuple[Any, ...]:
    """``row``, if each value has a type orch stores in its column (a damaged page can turn a
    number into text); ValueError otherwise."""
    for value, kind in zip(row, kinds, strict=True):
        if not isinstance(value, kind):
            raise ValueError(f"a column holds a {type(value).__name__}")
    return row


def _result(row: tuple[Any, ...]) -> TestResult:
    app, nodeid, attempt, outcome, duration, message, longrepr, stdout, stderr, markers, file = row
    _typed(row, _RESULT_TYPES)
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


def _run(row: tuple[Any, ...]) -> RunRecord:
    run_id, workflow, commit, started_at, ended_at, exit_code, status, pid, spec = _typed(
        row, _RUN_TYPES
    )
    return RunRecord(
        run_id,
        workflow,
        commit,
        started_at,
        ended_at,
        exit_code,
        RunState(status),
        pid,
        RunSpec.from_json(spec) if spec else None,
    )


OPEN_SECONDS = 30.0
"""How long opening waits for another process that holds the database (creating it, or
recovering the write-ahead log after a killed run)."""


def _while_busy(action: Callable[[], None]) -> None:
    """Run ``action``, retrying while SQLite answers SQLITE_BUSY without waiting itself (it
    does so for a journal-mode change and for WAL recovery, whatever the busy timeout)."""
    deadline = time.monotonic() + OPEN_SECONDS
    pause = 0.01
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


class SqliteStore:
    """The Store of orch runs in SQLite (every store port in one); one instance per process,
    safe to share between threads."""

    PLUGIN_NAME: ClassVar[str] = "sqlite"

    def __init__(self, state_dir: Path) -> None:
        state_dir = Path(state_dir)
        self.path = state_dir / "orch.db"
        self.read_only = state_dir.is_dir() and not writable(state_dir, self.path)
        """Opened in a directory orch cannot write: every read works, every write is refused."""
        if not self.read_only:
            _prepare_state_dir(state_dir)
        elif not self.path.is_file():
            raise read_only(self.path)
        self._lock = threading.Lock()
        try:
            if self.read_only:
                self._db = connect_read_only(self.path)
            else:
                self._db = sqlite3.connect(
                    self.path, timeout=30.0, isolation_level=None, check_same_thread=False
                )
        except sqlite3.Error as error:
            raise store_problem(self.path, error) from error
        try:
            _while_busy(self._open)
        except sqlite3.Error as error:
            self._db.close()
            raise store_problem(self.path, error) from error
        except BaseException:
            self._db.close()
            raise

    def _open(self) -> None:
        """Turn on WAL and cell checks, check every page (within a time budget), then the schema."""
        self._db.execute("PRAGMA cell_size_check=ON")
        if not self.read_only:
            if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._check("integrity check")
        self._migrate()
        problem = schema_problem(table_columns(self._db), _tables())
        if problem:
            raise damaged(self.path, problem)

    def _migrate(self) -> None:
        """Create or upgrade the schema (version 1 gains the coverage tables); refuse one
        written by a newer orch, and a database of other tables than orch's.

        A database that is already current is only read, so ``orch status`` never waits for the
        write lock of a running run.
        """
        if self._schema_version() == SCHEMA_VERSION:
            return
        if self.read_only:
            raise StoreProblem(
                f"{self.path} holds an older orch's schema and is read-only, so it cannot be "
                f"upgraded: make {self.path.parent} writable for one orch command"
            )
        with self._write() as db:
            version = self._schema_version()
            if version == 0 and table_columns(db):
                raise damaged(self.path, "it holds tables of another program")
            for migration in _MIGRATIONS[version:]:
                for statement in migration.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _schema_version(self) -> int:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreProblem(
                f"{self.path} was written by a newer orch (schema {version}); "
                "upgrade orch or move the file away"
            )
        if version < 0:
            raise damaged(self.path, f"schema version {version}")
        return version

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the database's write lock up front; a SQLite error
        (or a read-only store) is a StoreProblem, and nothing of the transaction is kept."""
        if self.read_only:
            raise read_only(self.path)
        with self._lock, sqlite_errors(self.path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (disk full)
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(
        self,
        sql: str,
        params: tuple[Any, ...] = (),
        row: Callable[[tuple[Any, ...]], Any] = tuple,
    ) -> list[Any]:
        """The rows of one query, each made a value by ``row``; a SQLite error, or a row that
        cannot be what orch wrote, is a StoreProblem."""
        with self._lock, sqlite_errors(self.path):
            rows = self._db.execute(sql, params).fetchall()
        with self._damage_found():
            return [row(found) for found in rows]

    @contextmanager
    def _damage_found(self) -> Iterator[None]:
        """A stored value orch cannot have written (wrong type, bad JSON) as a StoreProblem."""
        try:
            yield
        except (ValueError, TypeError) as error:
            raise damaged(self.path, f"a stored value is not what orch wrote: {error}") from None

    def create_run(self, record: RunRecord) -> None:
        """Record a new run; its id must not exist yet."""
        with self._write() as db:
            try:
                db.execute(
                    f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.id,
                        record.workflow,
                        record.commit,
                        record.started_at,
                        record.ended_at,
                        record.exit_code,
                        record.status.value,
                        record.pid,
                        record.spec.as_json() if record.spec else "",
                    ),
                )
            except sqlite3.IntegrityError as error:
                raise ValueError(f"run {record.id!r} already exists in {self.path}") from error

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or None."""
        rows = self._read(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,), _run)
        return rows[0] if rows else None

    def latest_run(self) -> RunRecord | None:
        """The most recently started run, or None when there is none."""
        runs = self.list_runs(limit=1)
        return runs[0] if runs else None

    def list_runs(self, limit: int = 20) -> list[RunRecord]:
        """Up to ``limit`` runs, the most recently started first."""
        return self._read(
            f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?",
            (limit,),
            _run,
        )

    def update_run(self, run_id: str, **changes: Any) -> None:
        """Change ``ended_at``, ``exit_code``, ``status`` or ``pid`` of a run; a run's end
        (any status but running) checks that the store can still be read back."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)} of a run: only {sorted(_UPDATABLE)}")
        if not changes:
            return
        if "status" in changes:
            changes["status"] = RunState(changes["status"]).value
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._write() as db:
            cursor = db.execute(
                f"UPDATE runs SET {assignments} WHERE id = ?", (*changes.values(), run_id)
            )
            if cursor.rowcount == 0:
                raise KeyError(run_id)
        if changes.get("status", RunState.RUNNING) != RunState.RUNNING:
            self._check_read_back()

    def _check(self, why: str) -> None:
        """Refuse a store whose pages ``quick_check`` finds damaged (within its time budget)."""
        with self._lock, sqlite_errors(self.path):
            problem = quick_check(self._db)
        if problem:
            raise damaged(self.path, f"{why}: {problem}")

    def _check_read_back(self) -> None:
        """Check the file as the next orch command will read it: copied from the write-ahead
        log, through a new connection. This one's cache hides a file cut short under it."""
        if not self.path.is_file():
            raise StoreProblem(
                f"{self.path} was removed while orch wrote it; the next run starts a new one"
            )
        with self._lock, sqlite_errors(self.path):
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            with closing(connect_read_only(self.path)) as fresh:
                problem = quick_check(fresh)
        if problem:
            raise damaged(self.path, f"the run's results cannot be read back: {problem}")

    def record(self, run_id: str, progress: Progress) -> None:
        """Write one batch of progress in one transaction; a second final of a test is ignored
        unless it is of a later attempt."""
        placeholders = ", ".join("?" * 12)
        with self._write() as db:
            if db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise KeyError(run_id)
            db.executemany(
                f"INSERT OR IGNORE INTO attempts (run_id, {_RESULT_COLUMNS}) "
                f"VALUES ({placeholders})",
                _result_rows(run_id, progress.attempts),
            )
            db.executemany(  # a later attempt (a flow step a resumed run ran again) wins
                f"INSERT INTO results (run_id, {_RESULT_COLUMNS}) VALUES ({placeholders}) "
                "ON CONFLICT (run_id, app, nodeid) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in _UPDATED_COLUMNS)
                + " WHERE excluded.attempt > results.attempt",
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
        return self._read(
            f"SELECT {_RESULT_COLUMNS} FROM results WHERE run_id = ? ORDER BY rowid",
            (run_id,),
            _result,
        )

    def attempts(self, run_id: str) -> list[TestResult]:
        """Every attempt at every test of a run, retries included, in the order recorded."""
        return self._read(
            f"SELECT {_RESULT_COLUMNS} FROM attempts WHERE run_id = ? ORDER BY rowid",
            (run_id,),
            _result,
        )

    def running(self, run_id: str) -> list[RunningTest]:
        """Tests the run started and has not finished yet, the longest-running first."""
        return self._read(
            "SELECT app, nodeid, started_at FROM running WHERE run_id = ? "
            "ORDER BY started_at, rowid",
            (run_id,),
            lambda row: RunningTest(*_typed(row, (_TEXT, _TEXT, _REAL))),
        )

    def planned(self, run_id: str) -> int:
        """How many tests the run planned to run (0 when unknown)."""
        rows = self._read(
            "SELECT planned FROM runs WHERE id = ?", (run_id,), lambda row: _typed(row, (_INTEGER,))
        )
        return rows[0][0] if rows else 0

    def durations(self, app: str) -> dict[str, float]:
        """The moving average of each test's duration in seconds, across runs."""
        rows = self._read(
            "SELECT nodeid, seconds FROM durations WHERE app = ?",
            (app,),
            lambda row: _typed(row, (_TEXT, _REAL)),
        )
        return dict(rows)

    def save_coverage(self, coverage: CoverageMap) -> None:
        """Make ``coverage`` the app's map, replacing the one before (selection uses the newest)."""
        app = _text(coverage.app)
        with self._write() as db:
            db.execute("DELETE FROM coverage_lines WHERE app = ?", (app,))
            db.execute(
                'INSERT OR REPLACE INTO coverage_maps (app, "commit", stale, recorded_at) '
                "VALUES (?, ?, ?, ?)",
                (app, coverage.commit, json.dumps(list(coverage.stale)), coverage.recorded_at),
            )
            db.executemany(
                "INSERT OR REPLACE INTO coverage_lines (app, file, nodeid, lines) "
                "VALUES (?, ?, ?, ?)",
                (
                    (app, _text(file), _text(nodeid), _packed(lines))
                    for file, tests in coverage.lines.items()
                    for nodeid, lines in tests.items()
                ),
            )

    def coverage(self, app: str, files: Sequence[str] | None = None) -> CoverageMap | None:
        """The app's coverage map with only ``files`` (all when None), or None when it has none.

        Files the map does not hold are left out; ``stale`` is always the whole map's.
        """
        app = _text(app)
        select = "SELECT nodeid, lines FROM coverage_lines WHERE app = ? AND file = ?"
        with self._lock, sqlite_errors(self.path):
            self._db.execute("BEGIN")  # one snapshot: a map saved meanwhile is seen whole or not
            try:
                header = self._db.execute(
                    'SELECT "commit", stale, recorded_at FROM coverage_maps WHERE app = ?', (app,)
                ).fetchone()
                if header is None:
                    return None
                if files is None:
                    query = "SELECT DISTINCT file FROM coverage_lines WHERE app = ?"
                    wanted = [file for (file,) in self._db.execute(query, (app,))]
                else:
                    wanted = list(dict.fromkeys(_text(file) for file in files))
                rows = {file: self._db.execute(select, (app, file)).fetchall() for file in wanted}
            finally:
                if self._db.in_transaction:
                    self._db.execute("COMMIT")
        with self._damage_found():
            lines = {file: _unpacked(found) for file, found in rows.items() if found}
            commit, stale, recorded_at = _typed(header, (_TEXT, _TEXT, _REAL))
            return CoverageMap(app, commit, lines, tuple(json.loads(stale)), recorded_at)

    def outcome_history(self, app: str, runs: int = 20) -> dict[str, OutcomeHistory]:
        """Per test: in how many of the app's last ``runs`` finished runs it had a final result,
        in how many that result was failed, error or timeout, and in how many flaky.

        Only runs whose status is ``finished`` and that recorded a result for the app count;
        a running or interrupted run's results may be cut short.
        """
        rows = self._read(
            """
            WITH recent AS (
                SELECT id FROM runs
                WHERE status = 'finished'
                  AND EXISTS (SELECT 1 FROM results WHERE run_id = runs.id AND app = ?1)
                ORDER BY started_at DESC, rowid DESC
                LIMIT ?2
            )
            SELECT nodeid, COUNT(*), SUM(outcome IN (?3, ?4, ?5)), SUM(outcome = ?6)
            FROM results
            WHERE app = ?1 AND run_id IN recent
            GROUP BY nodeid
            """,
            (_text(app), runs, *_FAILURES, Outcome.FLAKY.value),
            lambda row: _typed(row, (_TEXT, _INTEGER, _INTEGER, _INTEGER)),
        )
        return {nodeid: OutcomeHistory(*counts) for nodeid, *counts in rows}

    def record_failures(self, run_id: str, commit: str, failures: Sequence[Failure]) -> None:
        """Remember a run's triaged failures; each fingerprint counts once per failure and once
        per run, and recording the same run again changes nothing (so a read-only store takes
        a run triaged before)."""
        if self.read_only and self._recorded(run_id) >= {
            (_text(f.result.app), _text(f.result.nodeid)) for f in failures
        }:
            return
        with self._write() as db:
            for failure in failures:
                result = failure.result
                added = db.execute(
                    "INSERT OR IGNORE INTO failures VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        _text(result.app),
                        _text(result.nodeid),
                        failure.fingerprint,
                        failure.cluster,
                        failure.category,
                        failure.assigned_to,
                    ),
                ).rowcount
                if not added:
                    continue
                db.execute(
                    """
                    INSERT INTO fingerprints VALUES (?1, ?2, ?3, ?2, ?3, 1, 1, '', '')
                    ON CONFLICT (fingerprint) DO UPDATE SET
                        occurrences = occurrences + 1,
                        runs = runs + (last_run != ?2),
                        last_run = ?2,
                        last_commit = ?3
                    """,
                    (failure.fingerprint, run_id, commit),
                )

    def failure_history(self, fingerprints: Sequence[str]) -> dict[str, FailureHistory]:
        """What is known of each of ``fingerprints`` (unknown ones are left out)."""
        found: dict[str, FailureHistory] = {}
        wanted = list(dict.fromkeys(fingerprints))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for history in self._read(
                f"SELECT * FROM fingerprints WHERE fingerprint IN ({marks})",
                tuple(chunk),
                lambda row: FailureHistory(*_typed(row, _HISTORY_TYPES)),
            ):
                found[history.fingerprint] = history
        return found

    def _recorded(self, run_id: str) -> set[tuple[str, str]]:
        """(app, nodeid) of the failures recorded for a run."""
        return set(
            self._read(
                "SELECT app, nodeid FROM failures WHERE run_id = ?",
                (run_id,),
                lambda row: _typed(row, (_TEXT, _TEXT)),
            )
        )

    def link_issue(self, fingerprint: str, issue: str, run_id: str = "") -> None:
        """Remember the tracker issue filed for ``fingerprint`` (and the run that filed it)."""
        with self._write() as db:
            db.execute(
                "UPDATE fingerprints SET issue = ?, filed_run = ? WHERE fingerprint = ?",
                (issue, run_id, fingerprint),
            )

    def last_outcomes(self, app: str, commit: str) -> dict[str, Outcome]:
        """Final outcomes of the app's tests in its latest finished run at ``commit``."""
        rows = self._read(
            """
            SELECT nodeid, outcome FROM results WHERE app = ?1 AND run_id = (
                SELECT id FROM runs
                WHERE status = 'finished' AND "commit" = ?2
                  AND EXISTS (SELECT 1 FROM results WHERE run_id = runs.id AND app = ?1)
                ORDER BY started_at DESC, rowid DESC LIMIT 1
            )
            """,
            (_text(app), commit),
            lambda row: (row[0], Outcome(row[1])),
        )
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
