"""How an entity's rows are written to a file and read back: JSON Lines, JSON and CSV.

JSON Lines is the reference format, byte-identical for the same data on any machine: one row a
line, ``json.dumps(row, ensure_ascii=False, separators=(",", ":"))`` with the keys in the
schema's order, UTF-8, ``\\n`` after every row. ``orch data generate --out DIR`` writes it with
``write_jsonl``. JSON is the same rows as one array, a row a line. CSV has a header row; a null
is an empty cell (so an empty text reads back as null), a bool ``true``/``false``, a json value
its JSON text; the reader needs the columns' types (``read_rows``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from orch.adapters.files.values import checked_rows
from orch.ports.data import Table

FORMATS = ("jsonl", "json", "csv")


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(table: Table, path: Path) -> None:
    """Write ``table``'s rows to ``path`` as JSON Lines (byte-identical for the same data);
    a value not of its column's type raises ``DataProblem`` naming the entity, row and field."""
    rows = checked_rows(table)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(_line(row) + "\n" for row in rows)


def _write_json(table: Table, path: Path) -> None:
    rows = checked_rows(table)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("[\n" + ",\n".join(_line(row) for row in rows) + "\n]\n")


def _cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "json":
        return _line(value)
    return str(value)


def _write_csv(table: Table, path: Path) -> None:
    kinds = [c.type for c in table.columns]
    rows = checked_rows(table)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.name for c in table.columns])
        for row in rows:
            writer.writerow([_cell(k, v) for k, v in zip(kinds, row.values(), strict=True)])


WRITERS: dict[str, Callable[[Table, Path], None]] = {
    "jsonl": write_jsonl,
    "json": _write_json,
    "csv": _write_csv,
}

_PARSE: dict[str, Callable[[str], Any]] = {
    "int": int,
    "bool": lambda text: text == "true",
    "json": json.loads,
}


def _read_csv(path: Path, columns: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as source:
        lines = csv.reader(source)
        next(lines, None)
        parses = [(name, _PARSE.get(kind, str)) for name, kind in columns]
        return [
            {
                name: parse(cell) if cell != "" else None
                for (name, parse), cell in zip(parses, line, strict=True)
            }
            for line in lines
        ]


def _read_json_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    # Split on \n only: a text may hold U+2028 and other characters str.splitlines splits on.
    return [json.loads(line) for line in lines if line.strip()]


def read_rows(path: Path, format: str, columns: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The rows of ``path`` written in ``format``; ``columns`` are (name, type) in order."""
    if format == "csv":
        return _read_csv(path, columns)
    text = path.read_text(encoding="utf-8")
    if format == "json":
        return list(json.loads(text))
    return _read_json_lines(text.split("\n"))
