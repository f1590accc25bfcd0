"""The server a sink's ``url`` names: connections to it and to the databases made there, and
its errors as one line that never holds the password.

Databases are created and dropped from the ``postgres`` maintenance database: the URL's own
database is the template, and PostgreSQL clones a template only while nobody is connected to it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from orch.ports.errors import ConfigError, DataProblem

MAINTENANCE = "postgres"


class Server:
    """One PostgreSQL server, reached through ``url`` (``postgresql://user:pw@host:port/db``)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise ConfigError(
                "postgres sink: option url: give a postgresql://user:password@host:port/db URL"
            )
        self.url = url
        self.base = unquote(parts.path.lstrip("/")) or (parts.username or MAINTENANCE)
        self.where = f"{parts.hostname}:{parts.port or 5432}"
        self._password = unquote(parts.password or "")

    def url_of(self, database: str) -> str:
        """The URL of ``database`` on this server (the password kept, for the tests to connect)."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path="/" + quote(database, safe="")))

    def scrub(self, text: str) -> str:
        """``text`` without the password."""
        return text.replace(self._password, "***") if self._password else text

    def problem(self, doing: str, error: Exception) -> DataProblem:
        """A one-line ``DataProblem``: what failed and the server's message, no password."""
        diag = getattr(error, "diag", None)
        message = (diag.message_primary if diag and diag.message_primary else str(error)).strip()
        context = diag.context if diag and diag.context else ""
        where = f" ({context.splitlines()[0]})" if context else ""
        return DataProblem(
            self.scrub(f"postgres sink: {doing}: {message}{where}".replace("\n", " "))
        )

    @contextlib.contextmanager
    def connect(self, database: str, *, autocommit: bool = True) -> Iterator[psycopg.Connection]:
        """A connection to ``database``; a server that is down raises one line saying where."""
        try:
            connection = psycopg.connect(
                self.url_of(database), autocommit=autocommit, connect_timeout=10
            )
        except psycopg.OperationalError as error:
            text = str(error)
            if f'database "{database}" does not exist' in text:
                raise DataProblem(
                    f"postgres sink: database {database} does not exist at {self.where}"
                ) from None
            raise DataProblem(
                self.scrub(
                    f"postgres sink: cannot connect to PostgreSQL at {self.where}"
                    f" ({text.strip().splitlines()[-1]}): start the server or fix the sink's url"
                )
            ) from None
        with connection:
            yield connection

    def run(
        self, doing: str, statement: sql.SQL | sql.Composed, *args: object
    ) -> list[tuple[object, ...]]:
        """Run ``statement`` in the maintenance database; its rows."""
        with self.connect(MAINTENANCE) as connection:
            try:
                cursor = connection.execute(statement, args or None)
                return cursor.fetchall() if cursor.description else []
            except psycopg.Error as error:
                raise self.problem(doing, error) from None
