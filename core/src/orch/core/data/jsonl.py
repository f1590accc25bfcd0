"""A table as JSON Lines, the format ``orch data generate --out DIR`` writes (``DIR/ENTITY.jsonl``):
one object per row, keys in the schema's order, no spaces, UTF-8 as it is, ``\\n`` after each
row, so that the same data is the same bytes on any machine. Written to a temporary file and
renamed: a reader never sees half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from orch.ports.data import Table


def row_line(row: dict[str, object]) -> str:
    """One row as its line (without the newline)."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(table: Table, path: Path) -> None:
    """Write ``table`` to ``path``."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    with partial.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(row_line(row) + "\n" for row in table.rows())
    os.replace(partial, path)
