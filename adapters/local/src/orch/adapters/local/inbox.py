"""The local inbox: an IssueTracker kept in ``.orch/inbox.db``, the default when no Jira or
GitHub is configured, and read with ``orch inbox list|show|close``."""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, Concatenate, ParamSpec, TypeVar

from attrs import evolve, frozen

from orch.adapters.local.store_checks import damaged, sqlite_errors
from orch.ports import ConfigError, EnvironmentProblem, IssueDraft, TrackedIssue

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _usable(
    method: Callable[Concatenate[InboxTracker, _P], _R],
) -> Callable[Concatenate[InboxTracker, _P], _R]:
    """``method`` of the inbox, with a damaged file's SQLite errors (or labels that are not
    JSON) as the one StoreProblem line that names it."""

    @functools.wraps(method)
    def guarded(inbox: InboxTracker, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            with sqlite_errors(inbox.path):
                return method(inbox, *args, **kwargs)
        except json.JSONDecodeError:
            raise damaged(inbox.path, "labels that are not JSON") from None

    return guarded


_SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
    number INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL, title TEXT NOT NULL,
    body TEXT NOT NULL, labels TEXT NOT NULL, assignee TEXT NOT NULL, closed INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS issues_by_fingerprint ON issues (fingerprint);
CREATE TABLE IF NOT EXISTS comments (
    number INTEGER NOT NULL, body TEXT NOT NULL, created_at REAL NOT NULL
);
"""


@frozen
class InboxIssue:
    """An issue of the inbox with everything it holds, for display."""

    issue: TrackedIssue
    title: str
    body: str
    assignee: str
    comments: tuple[str, ...]


class InboxTracker:
    """Issues in a SQLite file under the state directory; keys are ``INBOX-<n>``."""

    PLUGIN_NAME: ClassVar[str] = "inbox"

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "inbox.db"
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as problem:
            raise EnvironmentProblem(
                f"{self.path}: not a usable inbox ({problem}); move it away and run again"
            ) from None

    @_usable
    def find(self, fingerprint: str) -> TrackedIssue | None:
        """The newest issue filed for ``fingerprint``."""
        row = self._db.execute(
            "SELECT number, fingerprint, closed, labels FROM issues WHERE fingerprint = ? "
            "ORDER BY number DESC LIMIT 1",
            (fingerprint,),
        ).fetchone()
        return _tracked(*row) if row else None

    @_usable
    def create(self, draft: IssueDraft) -> TrackedIssue:
        """File a new issue."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO issues (fingerprint, title, body, labels, assignee, closed, "
                "created_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                (
                    draft.fingerprint,
                    draft.title,
                    draft.body,
                    json.dumps(list(dict.fromkeys(draft.labels))),
                    draft.assignee,
                    time.time(),
                ),
            )
        number = cursor.lastrowid or 0
        return _tracked(number, draft.fingerprint, 0, json.dumps(list(dict.fromkeys(draft.labels))))

    @_usable
    def comment(self, issue: TrackedIssue, body: str) -> None:
        """Add a comment."""
        with self._lock:
            self._db.execute(
                "INSERT INTO comments VALUES (?, ?, ?)", (_number(issue), body, time.time())
            )

    @_usable
    def reopen(self, issue: TrackedIssue, labels: Sequence[str] = ()) -> TrackedIssue:
        """Open a closed issue again and add ``labels``."""
        merged = tuple(dict.fromkeys((*issue.labels, *labels)))
        with self._lock:
            self._db.execute(
                "UPDATE issues SET closed = 0, labels = ? WHERE number = ?",
                (json.dumps(list(merged)), _number(issue)),
            )
        return evolve(issue, closed=False, labels=merged)

    @_usable
    def close_issue(self, key: str) -> None:
        """Close an issue (what a person does once the root cause is fixed).

        :raises ConfigError: no issue ``key`` in this inbox.
        """
        number = self._existing(key)
        with self._lock:
            self._db.execute("UPDATE issues SET closed = 1 WHERE number = ?", (number,))

    @_usable
    def issue(self, key: str) -> InboxIssue:
        """The issue ``key`` (``INBOX-3`` or ``3``) with its comments.

        :raises ConfigError: no issue ``key`` in this inbox.
        """
        [found] = self._read("WHERE number = ?", (self._existing(key),))
        return found

    @_usable
    def issues(self) -> list[InboxIssue]:
        """Every issue, newest first, with its comments."""
        return self._read("ORDER BY number DESC", ())

    def _existing(self, key: str) -> int:
        number = key.strip().upper().removeprefix("INBOX-")
        if number.isdigit():
            row = self._db.execute("SELECT 1 FROM issues WHERE number = ?", (int(number),))
            if row.fetchone():
                return int(number)
        raise ConfigError(
            f"no issue '{key}' in {self.path}; `orch inbox list` shows the keys (INBOX-<n>)"
        )

    def _read(self, where: str, parameters: tuple) -> list[InboxIssue]:
        found = []
        rows = self._db.execute(
            "SELECT number, fingerprint, closed, labels, title, body, assignee FROM issues "
            + where,
            parameters,
        ).fetchall()
        for number, fingerprint, closed, labels, title, body, assignee in rows:
            comments = self._db.execute(
                "SELECT body FROM comments WHERE number = ? ORDER BY rowid", (number,)
            ).fetchall()
            found.append(
                InboxIssue(
                    _tracked(number, fingerprint, closed, labels),
                    title,
                    body,
                    assignee,
                    tuple(c for (c,) in comments),
                )
            )
        return found

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()


def _tracked(number: int, fingerprint: str, closed: int, labels: str) -> TrackedIssue:
    key = f"INBOX-{number}"
    unique = tuple(dict.fromkeys(json.loads(labels)))  # inboxes filed before labels were unique
    return TrackedIssue(key, f"inbox:{key}", fingerprint, bool(closed), unique)


def _number(issue: TrackedIssue) -> int:
    return _number_of(issue.key)


def _number_of(key: str) -> int:
    return int(key.removeprefix("INBOX-"))
