"""Reads the coverage.py data files a shard wrote into orch's per-test map of executed lines.

The event plugin records each test under its nodeid as coverage.py's dynamic context. Files of
coverage.py's documented schema 7 (coverage 5.0 to today) are read with one query and numbits are
decoded in bulk, which is ten times faster than ``CoverageData.contexts_by_lineno``; any other
schema goes through coverage.py's own API. coverage.py is imported only then: it takes a quarter
of a second to import, which every orch command would otherwise pay.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path

SCHEMA = 7
"""The coverage.py data schema whose tables are read directly."""

Lines = dict[str, dict[str, tuple[int, ...]]]
"""``lines[file][nodeid]``: the line numbers of ``file`` that test ``nodeid`` executed."""


class UnreadableCoverage(Exception):
    """A coverage data file that neither SQLite nor coverage.py can read; says why."""


_ROWS = """
SELECT file.path, context.context, line_bits.numbits
FROM line_bits
JOIN file ON file.id = line_bits.file_id
JOIN context ON context.id = line_bits.context_id
WHERE context.context != ''
"""


def read_lines(data_files: Iterable[Path], root: Path) -> Lines:
    """Per file under ``root`` (app-relative, POSIX), the lines each test executed.

    The empty context (collection and import time) is left out; so are files outside ``root``.
    Raises UnreadableCoverage for a file that is not coverage data orch can read.
    """
    roots = list(dict.fromkeys([root.resolve(), root.absolute()]))
    lines: Lines = {}
    relative_of: dict[str, str | None] = {}
    for data_file in data_files:
        try:
            rows = _rows(data_file)
        except sqlite3.DatabaseError as error:
            raise UnreadableCoverage(f"{data_file}: {error}") from error
        for path, nodeid, numbers in rows:
            if path not in relative_of:
                relative_of[path] = _relative(path, roots)
            relative = relative_of[path]
            if relative is not None:
                lines.setdefault(relative, {})[nodeid] = numbers
    return lines


def _rows(data_file: Path) -> list[tuple[str, str, tuple[int, ...]]]:
    """(measured file, context, sorted line numbers) for every non-empty context."""
    uri = f"{data_file.absolute().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        try:
            schema = db.execute("SELECT version FROM coverage_schema").fetchone()
            arcs = db.execute("SELECT value FROM meta WHERE key = 'has_arcs'").fetchone()
        except sqlite3.DatabaseError:
            schema = arcs = None
        if schema == (SCHEMA,) and arcs == ("0",):
            rows = db.execute(_ROWS).fetchall()
            return [(path, context, _numbers(numbits)) for path, context, numbits in rows]
    return list(_rows_by_api(data_file))


def _rows_by_api(data_file: Path) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """The same rows through coverage.py's public API, for schemas this module does not read."""
    from coverage import CoverageData
    from coverage.exceptions import CoverageException

    data = CoverageData(basename=str(data_file))
    try:
        data.read()
    except CoverageException as error:
        raise UnreadableCoverage(str(error)) from error
    for path in data.measured_files():
        by_test: dict[str, list[int]] = {}
        for line, contexts in data.contexts_by_lineno(path).items():
            for context in contexts:
                if context:
                    by_test.setdefault(context, []).append(line)
        for context, numbers in by_test.items():
            yield path, context, tuple(sorted(numbers))


def _numbers(numbits: bytes) -> tuple[int, ...]:
    """The numbers in a coverage.py numbits blob (bit ``n`` set means number ``n``), ascending."""
    bits = int.from_bytes(numbits, "little")
    found = []
    while bits:
        lowest = bits & -bits
        found.append(lowest.bit_length() - 1)
        bits ^= lowest
    return tuple(found)


def _relative(path: str, roots: list[Path]) -> str | None:
    """``path`` relative to the first root that holds it, as POSIX; None when none does."""
    for root in roots:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            continue
    return None
