"""State a step waits for before it starts (``wait_for:``), so a flow does not race the
asynchronous work of the systems it crosses: an HTTP answer, a row in a database, a file, a line
of a log. An application's health check before its steps uses the same values.

A wait is a tuple of conditions that must all hold (``WaitFor``). Each is checked every
``interval`` seconds until it holds or its ``timeout`` passes. Text may hold ``${NAME}``, the
step's environment variables (``API_URL``), filled in before the wait starts; the values here are
what the user wrote, checked. SQL goes through a ``SqlProbe`` adapter, so core needs no driver.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias, runtime_checkable

from attrs import frozen

DEFAULT_CONDITION_TIMEOUT = 30.0
"""Seconds a condition may take to hold when it says nothing else."""
DEFAULT_CONDITION_INTERVAL = 0.2
"""Seconds between two checks of a condition that does not hold yet."""

Scalar: TypeAlias = str | int | float | bool | None
"""A value a condition compares with: what JSON and one column of a row can both hold."""


@frozen
class JsonField:
    """A field of a JSON answer that must equal ``value``: ``path`` is its keys from the top
    (``("order", "state")`` for ``order.state``; a key of digits indexes a list)."""

    path: tuple[str, ...]
    value: Scalar

    def __str__(self) -> str:
        return ".".join(self.path)


@frozen
class HttpCondition:
    """Holds once ``method url`` answers one of ``status`` and every one of ``fields`` of its
    JSON body has its value. A ``user:password@`` in the URL is sent as basic authentication;
    redirects are not followed (a 302 is a status like any other)."""

    url: str
    method: str = "GET"
    status: tuple[int, ...] = (200,)
    fields: tuple[JsonField, ...] = ()
    timeout: float = DEFAULT_CONDITION_TIMEOUT
    interval: float = DEFAULT_CONDITION_INTERVAL


@frozen
class SqlCondition:
    """Holds once ``query`` returns a row (with ``accepted``, a row whose first column is one of
    them; a string is compared with the column's text). The database is ``dsn``, or the value of
    the variable ``dsn_env`` of the step's environment (then ``dsn`` is empty until resolved);
    messages name the variable, never a DSN's password."""

    query: str
    dsn: str = ""
    dsn_env: str = ""
    accepted: tuple[Scalar, ...] = ()
    timeout: float = DEFAULT_CONDITION_TIMEOUT
    interval: float = DEFAULT_CONDITION_INTERVAL


@frozen
class FileCondition:
    """Holds once ``path`` exists (with ``contains``, a regular expression: once one of its
    lines matches it). The file is read whole at each check: it may be rewritten."""

    path: str
    contains: str = ""
    timeout: float = DEFAULT_CONDITION_TIMEOUT
    interval: float = DEFAULT_CONDITION_INTERVAL


@frozen
class LogCondition:
    """Holds once a line of the file ``path`` matches the regular expression ``line``. Every
    line counts, those written before the wait began too (a step cannot know when the writer
    started); the file is read as it grows, and from its start again once truncated or
    replaced."""

    path: str
    line: str
    timeout: float = DEFAULT_CONDITION_TIMEOUT
    interval: float = DEFAULT_CONDITION_INTERVAL


StateCondition: TypeAlias = HttpCondition | SqlCondition | FileCondition | LogCondition
"""One condition of a wait."""

WaitFor: TypeAlias = tuple[StateCondition, ...]
"""A wait: conditions that must all hold, each within its own timeout."""


class SqlProbeError(Exception):
    """A query a ``SqlProbe`` could not run (no connection, an SQL error); its message is one
    line without the DSN's password. The check counts as failed and is asked again."""


@runtime_checkable
class SqlProbe(Protocol):
    """Runs a wait's query against a database (the PostgreSQL adapter: psycopg)."""

    def rows(self, dsn: str, query: str) -> list[tuple[Any, ...]]:
        """The rows ``query`` returns on ``dsn`` (a read-only session, a short timeout);
        ``SqlProbeError`` when it cannot run."""
        ...
