"""The values a file or SQLite sink accepts: each column's values checked against its type, so
a bad row fails the load naming the entity, row and field, rather than a file or table holding
what no application could read back as that type."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from orch.ports.data import Table
from orch.ports.errors import DataProblem

_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _parses(parse: Callable[[str], Any]) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            parse(value)
        except ValueError:
            return False
        return True

    return check


def _timestamp(text: str) -> None:
    if datetime.datetime.fromisoformat(text).tzinfo is None:
        raise ValueError(text)


CHECKS: dict[str, Callable[[Any], bool]] = {
    "uuid": _parses(uuid.UUID),
    "text": lambda value: isinstance(value, str),
    "int": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "decimal": lambda value: isinstance(value, str) and _DECIMAL.fullmatch(value) is not None,
    "bool": lambda value: isinstance(value, bool),
    "timestamp": _parses(_timestamp),
    "date": _parses(datetime.date.fromisoformat),
    "json": lambda value: isinstance(value, dict | list),
}


def checked_name(kind: str, name: str) -> str:
    """``name`` (an entity's or a field's), refused unless it is a plain identifier: it names
    a file or a table."""
    if not _NAME.fullmatch(name):
        raise DataProblem(
            f"{kind} {name!r}: not a plain name (letters, digits, _ and -, not first); rename it"
        )
    return name


def checked_rows(table: Table) -> Iterator[dict[str, Any]]:
    """``table``'s rows, each checked against its columns' types (None is always accepted);
    its names are checked at once, before any file is opened by them."""
    checked_name("entity", table.entity)
    checks = []
    for column in table.columns:
        checked_name(f"{table.entity}: field", column.name)
        if column.type not in CHECKS:
            raise DataProblem(f"{table.entity}.{column.name}: unknown column type {column.type!r}")
        checks.append((column.name, column.type, CHECKS[column.type]))
    return _checked(table, checks)


def _checked(
    table: Table, checks: list[tuple[str, str, Callable[[Any], bool]]]
) -> Iterator[dict[str, Any]]:
    for number, row in enumerate(table.rows(), start=1):
        for name, kind, check in checks:
            value = row[name]
            if value is not None and not check(value):
                raise DataProblem(
                    f"{table.entity} row {number}, field {name}: "
                    f"{str(value)[:60]!r} is not a {kind}"
                )
        yield row
