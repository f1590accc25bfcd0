"""The ``sqlite`` sink: a dataset loaded into an SQLite database file of its own, for
applications that read SQLite; each worker gets its own file.

The option ``path`` (``/srv/app/data.db``) names where the files go and how they are named: the
loaded data is ``data.orch_<owner>_<dataset>.db`` beside it, a copy ``...@<copy>.db``. A load
builds a hidden file in one transaction (tables from the columns' types, keys and references
as constraints) and renames it into place, so a failure leaves nothing. A copy is a file copy
(the loaded file is never written after its load); reset copies the loaded database back into
the copy through SQLite's backup API, so connections a test holds see the reset data.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar

from orch.adapters.files.places import clone, copy_name, place_name, temporary
from orch.adapters.files.values import checked_name, checked_rows
from orch.ports.data import DataCopy, GeneratedData, Loaded, SinkTarget, Table
from orch.ports.errors import ConfigError, DataProblem

SQL_TYPES = {
    "uuid": "TEXT",
    "text": "TEXT",
    "int": "BIGINT",  # not INTEGER: an INTEGER PRIMARY KEY would order rows by it, not as loaded
    "decimal": "TEXT",  # its exact digits
    "bool": "BOOLEAN",
    "timestamp": "TEXT",
    "date": "TEXT",
    "json": "TEXT",
}
_STORE: dict[str, Callable[[Any], Any]] = {"json": lambda v: json.dumps(v, ensure_ascii=False)}
_LOAD: dict[str, Callable[[Any], Any]] = {"json": json.loads, "bool": bool}


def _path(options: Mapping[str, str]) -> Path:
    path = options.get("path")
    if not path:
        raise ConfigError("sqlite sink: option path is required (e.g. data/app.db)")
    return Path(path)


def _quote(name: str) -> str:
    return '"' + name + '"'


def _create(table: Table) -> str:
    columns = []
    for column in table.columns:
        name = checked_name(f"{table.entity}: field", column.name)
        line = f"{_quote(name)} {SQL_TYPES[column.type]}"
        if column.name == table.key:
            line += " PRIMARY KEY"
        if column.name in table.references:
            parent, key = table.references[column.name]
            line += f" REFERENCES {_quote(parent)}({_quote(key)})"
        columns.append(line)
    return f"CREATE TABLE {_quote(checked_name('entity', table.entity))} ({', '.join(columns)})"


def _insert(db: sqlite3.Connection, table: Table) -> None:
    stores = [_STORE.get(c.type) for c in table.columns]
    marks = ", ".join("?" * len(table.columns))
    rows = (
        [
            v if store is None or v is None else store(v)
            for store, v in zip(stores, row.values(), strict=True)
        ]
        for row in checked_rows(table)
    )
    try:
        db.executemany(f"INSERT INTO {_quote(table.entity)} VALUES ({marks})", rows)
    except sqlite3.DatabaseError as error:
        (done,) = db.execute(f"SELECT count(*) FROM {_quote(table.entity)}").fetchone()
        raise DataProblem(f"{table.entity} row {done + 1}: sqlite refused it: {error}") from error


@contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        yield db


def _unlink(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        with suppress(FileNotFoundError, NotADirectoryError):
            file.unlink()


def _meta(path: Path) -> dict[str, Any]:
    with _open(path) as db:
        return dict(db.execute("SELECT key, value FROM _orch").fetchall())


class SqliteSink:
    """Loads a dataset into an SQLite file, and copies that file."""

    PLUGIN_NAME: ClassVar[str] = "sqlite"
    OPTIONS: ClassVar[Mapping[str, str]] = {
        "path": "the file the databases' names derive from: data.db gives "
        "data.orch_<owner>_<dataset>.db",
    }
    PATHS: ClassVar[tuple[str, ...]] = ("path",)

    def load(self, data: GeneratedData, target: SinkTarget) -> Loaded:
        base = _path(target.options)
        path = base.with_name(f"{base.stem}.{place_name(target.owner, data.dataset)}{base.suffix}")
        built = temporary(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._build(built, data, target.owner)
            built.replace(path)
        except (OSError, sqlite3.Error) as error:
            raise DataProblem(
                f"sqlite sink: cannot write {path}: {error}; check the folder"
            ) from error
        finally:
            _unlink(built)
        entities = tuple(t.entity for t in data.tables)
        return Loaded(target, data.version, str(path), str(path), entities)

    def copy(self, loaded: Loaded, name: str) -> DataCopy:
        source = self._existing(loaded.place)
        path = source.with_name(f"{copy_name(source.stem, name)}{source.suffix}")
        built = temporary(path)
        try:
            clone(source, built)
            built.replace(path)
        except OSError as error:
            raise DataProblem(f"sqlite sink: cannot copy {source} to {path}: {error}") from error
        finally:
            _unlink(built)
        return DataCopy(loaded, name, str(path), str(path))

    def reset(self, copy: DataCopy) -> None:
        source = self._existing(copy.loaded.place)
        with _open(source) as loaded, _open(self._existing(copy.place)) as target:
            loaded.backup(target)

    def remove(self, place: Loaded | DataCopy) -> None:
        path = Path(place.place)
        if isinstance(place, Loaded):
            for made in path.parent.glob(f"{path.stem}@*{path.suffix}"):
                _unlink(made)
        _unlink(path)

    def read(self, place: Loaded | DataCopy) -> dict[str, list[dict[str, Any]]]:
        path = self._existing(place.place)
        tables = json.loads(_meta(path)["tables"])
        read = {}
        with _open(path) as db:
            for entity, columns in tables:
                loads = [(name, _LOAD.get(kind)) for name, kind in columns]
                rows = db.execute(f"SELECT * FROM {_quote(entity)} ORDER BY rowid")
                read[entity] = [
                    {
                        name: v if load is None or v is None else load(v)
                        for (name, load), v in zip(loads, row, strict=True)
                    }
                    for row in rows
                ]
        return read

    def leftovers(self, options: Mapping[str, str], alive: Callable[[str], bool]) -> list[str]:
        base = _path(options)
        removed = []
        for path in sorted(base.parent.glob(f"*{base.stem}.orch_*")):
            try:
                owner = _meta(path).get("owner")
            except sqlite3.Error:
                continue
            if owner is not None and not alive(owner):
                _unlink(path)
                removed.append(str(path))
        return removed

    @staticmethod
    def _build(built: Path, data: GeneratedData, owner: str) -> None:
        with _open(built) as db:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("CREATE TABLE _orch (key TEXT PRIMARY KEY, value TEXT)")
            tables = [[t.entity, [[c.name, c.type] for c in t.columns]] for t in data.tables]
            meta = {
                "owner": owner,
                "dataset": data.dataset,
                "version": data.version,
                "tables": json.dumps(tables),
            }
            db.executemany("INSERT INTO _orch VALUES (?, ?)", meta.items())
            db.execute("BEGIN")
            for table in data.tables:
                db.execute(_create(table))
                _insert(db, table)
            db.execute("COMMIT")

    @staticmethod
    def _existing(place: str) -> Path:
        path = Path(place)
        if not path.is_file():
            raise DataProblem(f"sqlite sink: no data at {path} (removed, or never loaded)")
        return path
