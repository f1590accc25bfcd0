"""The PostgreSQL ``SqlProbe`` (``orch.ports.conditions``): the query of an ``sql`` wait
condition run on a connection of its own, so every check sees what is committed now.

A wait only looks: the session is read-only (a query that writes fails, and the condition with
it), connecting may take ``CONNECT_TIMEOUT`` seconds and the query ``STATEMENT_TIMEOUT_MS``, so a
database that is down or slow makes a failed check, asked again, never a stuck wait. Errors are
one line without the DSN's password.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from orch.ports.conditions import SqlProbeError

CONNECT_TIMEOUT = 2
"""Seconds to connect (libpq's least)."""
STATEMENT_TIMEOUT_MS = 5000
"""Milliseconds the query may run."""
MAX_ROWS = 1000
"""Rows of an answer returned: a wait's query should say which rows it means."""


class PostgresSqlProbe:
    """Runs wait queries on PostgreSQL through psycopg; ``dsn`` is a ``postgresql://`` URL or
    libpq's ``key=value`` connection string."""

    PLUGIN_NAME: ClassVar[str] = "postgres"

    def rows(self, dsn: str, query: str) -> list[tuple[Any, ...]]:
        """The first ``MAX_ROWS`` rows of ``query`` (none for a statement without rows);
        ``SqlProbeError`` when it cannot connect or the query fails."""
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.Error:
            # libpq's words quote the string near the mistake, which may be the password
            raise SqlProbeError(
                "the DSN is neither a postgresql:// URL nor key=value pairs"
            ) from None
        password = str(params.get("password") or "")
        options = " ".join(
            (
                str(params.get("options") or ""),
                "-c default_transaction_read_only=on",
                f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            )
        ).strip()
        try:
            with psycopg.connect(
                dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT, options=options
            ) as connection:
                cursor = connection.execute(query)
                return cursor.fetchmany(MAX_ROWS) if cursor.description else []
        except psycopg.Error as error:
            raise SqlProbeError(_said(error, password)) from None


def _said(error: psycopg.Error, password: str) -> str:
    """The server's or libpq's first line about ``error``, the password masked."""
    diag = getattr(error, "diag", None)
    primary = diag.message_primary if diag is not None else None
    lines = (primary or str(error) or type(error).__name__).strip().splitlines()
    text = " ".join(lines[0].split()) if lines else type(error).__name__
    for secret in {password, quote(password, safe="")} - {""}:
        text = text.replace(secret, "***")
    return text
