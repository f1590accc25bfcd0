"""One entity into its table: the table created from the column types when the schema has
none (primary key on its key, foreign keys from its references), then every row by ``COPY``.

Rows go as COPY's text format, a line per row formatted here and written in large chunks:
measured faster than ``write_row`` (which adapts value by value) and than binary COPY (which
needs each column's exact server type, and an existing varchar or integer column may differ).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from psycopg import sql

from orch.ports.data import Table

PG_TYPES = {
    "uuid": "uuid",
    "text": "text",
    "int": "bigint",
    "decimal": "numeric",
    "bool": "boolean",
    "timestamp": "timestamptz",
    "date": "date",
    "json": "jsonb",
}
CHUNK = 1 << 20
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _plain(value: Any) -> str:
    return str(value).translate(_ESCAPES)


def _bool(value: Any) -> str:
    return "t" if value else "f"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)


_FORMAT: dict[str, Callable[[Any], str]] = {"bool": _bool, "json": _json, "int": str}


def lines(table: Table) -> Iterable[str]:
    """``table``'s rows as COPY text lines; ``\\N`` is a null."""
    formats = [_FORMAT.get(c.type, _plain) for c in table.columns]
    for row in zip(*(c.values for c in table.columns), strict=True):
        yield (
            "\t".join("\\N" if v is None else f(v) for f, v in zip(formats, row, strict=True))
            + "\n"
        )


def exists(connection: psycopg.Connection, entity: str) -> bool:
    """Whether the schema the environment loaded has a table ``entity`` (on the search path)."""
    row = connection.execute(
        "SELECT to_regclass(%s) IS NOT NULL", [sql.Identifier(entity).as_string(connection)]
    ).fetchone()
    return bool(row and row[0])


def create(connection: psycopg.Connection, table: Table) -> None:
    """Create ``table`` from its column types, its key and its references."""
    parts = [
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(PG_TYPES[c.type]))
        for c in table.columns
    ]
    if table.key is not None:
        parts.append(sql.SQL("PRIMARY KEY ({})").format(sql.Identifier(table.key)))
    for name, (parent, key) in table.references.items():
        parts.append(
            sql.SQL("FOREIGN KEY ({}) REFERENCES {} ({})").format(
                sql.Identifier(name), sql.Identifier(parent), sql.Identifier(key)
            )
        )
    connection.execute(
        sql.SQL("CREATE TABLE {} ({})").format(
            sql.Identifier(table.entity), sql.SQL(", ").join(parts)
        )
    )


def copy_in(connection: psycopg.Connection, table: Table) -> None:
    """COPY every row of ``table`` into its table, the columns named."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.entity),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns),
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        chunk: list[str] = []
        size = 0
        for line in lines(table):
            chunk.append(line)
            size += len(line)
            if size >= CHUNK:
                copy.write("".join(chunk).encode())
                chunk, size = [], 0
        if chunk:
            copy.write("".join(chunk).encode())
