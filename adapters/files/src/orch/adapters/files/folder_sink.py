"""The ``files`` sink: a dataset loaded as one file per entity (``DIR/<place>/ENTITY.jsonl``,
``.json`` or ``.csv``), for applications and tests that read fixtures from files.

A load is written to a hidden folder beside its place and renamed into place once every file is
written, so a failure (a bad value, a full disk) leaves nothing; ``.orch.json`` in each folder
records the owner and the entities' columns, so ``read`` and ``leftovers`` need nothing else.
A copy is a folder of copies of the files (never hard links: a test that changes a file would
change the loaded one); reset replaces the copy's folder by a fresh copy.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from orch.adapters.files.formats import FORMATS, WRITERS, read_rows
from orch.adapters.files.places import clone, copy_name, place_name, temporary
from orch.ports.data import DataCopy, GeneratedData, Loaded, SinkTarget
from orch.ports.errors import ConfigError, DataProblem

META = ".orch.json"


def _options(options: Mapping[str, str]) -> tuple[Path, str]:
    directory = options.get("dir")
    if not directory:
        raise ConfigError("files sink: option dir is required (the folder the data goes in)")
    format = options.get("format", "jsonl")
    if format not in FORMATS:
        raise ConfigError(
            f"files sink: option format {format!r} is not one of {', '.join(FORMATS)}"
        )
    return Path(directory), format


def _meta(data: GeneratedData, owner: str, format: str) -> dict[str, Any]:
    tables = [
        {"entity": t.entity, "columns": [[c.name, c.type] for c in t.columns]} for t in data.tables
    ]
    return {
        "owner": owner,
        "dataset": data.dataset,
        "version": data.version,
        "format": format,
        "tables": tables,
    }


def _owner(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / META).read_text(encoding="utf-8"))["owner"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _replace(folder: Path, built: Path) -> None:
    """Put the folder ``built`` at ``folder``, removing what was there."""
    if folder.exists():
        trash = temporary(folder)
        folder.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)
    built.rename(folder)


class FilesSink:
    """Loads a dataset as files in a folder of its own, and copies that folder."""

    PLUGIN_NAME: ClassVar[str] = "files"
    OPTIONS: ClassVar[Mapping[str, str]] = {
        "dir": "the folder the data goes in (a folder per load and per copy)",
        "format": "jsonl (the default), json or csv: the files written, one per entity",
    }
    PATHS: ClassVar[tuple[str, ...]] = ("dir",)

    def load(self, data: GeneratedData, target: SinkTarget) -> Loaded:
        directory, format = _options(target.options)
        folder = directory / place_name(target.owner, data.dataset)
        self._build(folder, lambda built: self._write(data, target.owner, format, built))
        entities = tuple(t.entity for t in data.tables)
        return Loaded(target, data.version, str(folder), str(folder), entities)

    def copy(self, loaded: Loaded, name: str) -> DataCopy:
        source = self._existing(loaded.place)
        folder = source.with_name(copy_name(source.name, name))
        self._build(folder, lambda built: self._clone(source, built))
        return DataCopy(loaded, name, str(folder), str(folder))

    def reset(self, copy: DataCopy) -> None:
        source = self._existing(copy.loaded.place)
        self._build(Path(copy.place), lambda built: self._clone(source, built))

    def remove(self, place: Loaded | DataCopy) -> None:
        folder = Path(place.place)
        if isinstance(place, Loaded):
            for made in folder.parent.glob(f"{folder.name}@*"):
                shutil.rmtree(made, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)

    def read(self, place: Loaded | DataCopy) -> dict[str, list[dict[str, Any]]]:
        folder = self._existing(place.place)
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        format = meta["format"]
        return {
            t["entity"]: read_rows(
                folder / f"{t['entity']}.{format}", format, [tuple(c) for c in t["columns"]]
            )
            for t in meta["tables"]
        }

    def leftovers(self, options: Mapping[str, str], alive: Callable[[str], bool]) -> list[str]:
        directory, _format = _options(options)
        removed = []
        for folder in sorted(directory.glob("*orch_*")):
            owner = _owner(folder)
            if owner is not None and not alive(owner):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(str(folder))
        return removed

    @staticmethod
    def _write(data: GeneratedData, owner: str, format: str, built: Path) -> None:
        (built / META).write_text(json.dumps(_meta(data, owner, format)), encoding="utf-8")
        for table in data.tables:
            WRITERS[format](table, built / f"{table.entity}.{format}")

    @staticmethod
    def _clone(source: Path, built: Path) -> None:
        for file in source.iterdir():
            clone(file, built / file.name)

    @staticmethod
    def _build(folder: Path, fill: Callable[[Path], None]) -> None:
        """Make ``folder`` by ``fill`` in a hidden folder beside it, renamed into place once
        full; a failure removes the hidden folder."""
        built = temporary(folder)
        try:
            built.mkdir(parents=True)
            fill(built)
            _replace(folder, built)
        except OSError as error:
            shutil.rmtree(built, ignore_errors=True)
            raise DataProblem(
                f"files sink: cannot write {folder}: {error.strerror or error}; "
                "make the folder writable or give another dir"
            ) from error
        except BaseException:
            shutil.rmtree(built, ignore_errors=True)
            raise

    @staticmethod
    def _existing(place: str) -> Path:
        folder = Path(place)
        if not (folder / META).is_file():
            raise DataProblem(f"files sink: no data at {folder} (removed, or never loaded)")
        return folder
