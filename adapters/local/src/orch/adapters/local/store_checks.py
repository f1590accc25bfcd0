"""Is orch's SQLite file usable, and what does a SQLite error mean to its user.

Every problem becomes one StoreProblem line that names the file and says what to do: a damaged
page, a foreign or half-written schema, a read-only directory, a full disk, a lock held too long.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from orch.ports import StoreProblem

CHECK_SECONDS = 0.5
"""Time budget of the integrity check made at every open (``PRAGMA quick_check`` reads every
page: about 2 ms per MB from the page cache). A store too big to check within it is used
unchecked; damage is then found as it is read."""

_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT})
_READ_ONLY = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH})
_LOCKED = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

OURS = (sqlite3.ProgrammingError, sqlite3.InterfaceError)
"""SQLite errors that are orch's own mistake (a wrong query or binding), not the file's: they
stay internal errors."""

MOVE_AWAY = "move it away and orch will start a new one"
"""What to do with a store orch cannot use: its runs are history, not needed for the next run."""


@contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Turn what SQLite raises about the file at ``path`` into the StoreProblem the user reads
    (misuse of the API by orch itself, ``OURS``, stays the bug it is)."""
    try:
        yield
    except OURS:
        raise
    except sqlite3.Error as error:
        raise store_problem(path, error) from error


def store_problem(path: Path, error: sqlite3.Error) -> StoreProblem:
    """The one line a user gets for ``error`` met on the store at ``path``.

    SQLite's own message is left out when it may quote stored text (a value that is not UTF-8).
    """
    code = getattr(error, "sqlite_errorcode", None)
    name = getattr(error, "sqlite_errorname", None) or type(error).__name__
    primary = code & 0xFF if code is not None else None
    if primary is None:
        return damaged(path, "a stored text is not UTF-8")
    if primary in _DAMAGED:
        return damaged(path, name)
    if primary in _READ_ONLY:
        return read_only(path)
    if primary in _LOCKED:
        return StoreProblem(
            f"{path} stayed locked by another process ({name}); wait for the other orch "
            "command to end, or stop it"
        )
    if primary == sqlite3.SQLITE_FULL:
        return StoreProblem(f"{path}: the disk is full ({name}); free some space and run again")
    if primary == sqlite3.SQLITE_CANTOPEN:
        return StoreProblem(
            f"{path} cannot be opened ({name}); if it is not a file, {MOVE_AWAY}; "
            "or set ORCH_HOME to a writable directory"
        )
    if primary == sqlite3.SQLITE_IOERR:
        return StoreProblem(
            f"{path} cannot be read or written ({name}: the file was cut short or the disk "
            f"failed); {MOVE_AWAY}"
        )
    if primary == sqlite3.SQLITE_ERROR:
        return damaged(path, f"{name}: its tables are not orch's")
    return StoreProblem(f"{path}: SQLite failed ({name}); {MOVE_AWAY}")


def read_only(path: Path) -> StoreProblem:
    """What a command that must record something says on a store it can only read."""
    return StoreProblem(
        f"{path} is read-only: orch can show its runs but not record; make {path.parent} "
        "writable or set ORCH_HOME to a writable directory"
    )


def damaged(path: Path, what: str) -> StoreProblem:
    """A store whose pages, schema or content are not what orch wrote, ``what`` saying how."""
    return StoreProblem(f"{path} is not a readable orch database ({what}); {MOVE_AWAY}")


def writable(state_dir: Path, path: Path) -> bool:
    """Whether orch may write its database (and the journal files beside it) in ``state_dir``.

    ``os.access`` answers for root too when the directory is on a read-only mount.
    """
    if not os.access(state_dir, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that only reads ``path``, in a directory orch cannot write.

    A database in WAL mode is read through its ``-shm`` file, which a running orch keeps; when
    there is none (no orch writes it now) and none can be created, the file is opened as
    immutable: nobody can change it through this directory.
    """
    uri = f"file:{quote(str(path))}?mode=ro"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA schema_version").fetchone()
        return db
    except sqlite3.OperationalError as error:
        db.close()
        if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_CANTOPEN:
            raise
    return sqlite3.connect(
        uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False
    )


def quick_check(db: sqlite3.Connection, seconds: float = CHECK_SECONDS) -> str:
    """The first problem ``PRAGMA quick_check`` finds in the database, '' when none (or when it
    could not finish within ``seconds``)."""
    deadline = time.monotonic() + seconds
    db.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        found = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_INTERRUPT:
            return ""
        raise
    finally:
        db.set_progress_handler(None, 0)
    if found == "ok":
        return ""
    lines = [line for line in str(found).splitlines() if line and not line.startswith("***")]
    return "; ".join(lines)[:120]


def table_columns(db: sqlite3.Connection) -> dict[str, frozenset[str]]:
    """Each table of the database with the names of its columns."""
    tables: dict[str, set[str]] = {}
    for table, column in db.execute(
        "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
        "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'"
    ):
        tables.setdefault(table, set()).add(column)
    return {table: frozenset(columns) for table, columns in tables.items()}


def schema_problem(found: dict[str, frozenset[str]], expected: dict[str, frozenset[str]]) -> str:
    """What the tables ``found`` lack of the ``expected`` ones, '' when nothing."""
    missing = sorted(set(expected) - set(found))
    if missing:
        return f"no table {', '.join(missing[:3])}"
    for table, columns in sorted(expected.items()):
        lacking = sorted(columns - found[table])
        if lacking:
            return f"table {table} has no column {', '.join(lacking[:3])}"
    return ""
