"""The files sink (each format) and the sqlite sink against the DataSink contract, in a fresh
folder per test."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import pytest

from orch.adapters.files.folder_sink import FilesSink
from orch.adapters.files.sqlite_sink import SqliteSink
from orch.ports.data import DataCopy
from orch.testing.data_sink_contracts import (
    Broken,
    DataSinkContract,
    Mutate,
    Residue,
    sample_data,
    with_value,
)


def _files(options: Mapping[str, str]) -> list[str]:
    root = Path(options.get("dir") or Path(options["path"]).parent)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


class FilesContract(DataSinkContract):
    FORMAT = "jsonl"

    @pytest.fixture
    def sink(self) -> FilesSink:
        return FilesSink()

    @pytest.fixture
    def options(self, tmp_path: Path) -> Mapping[str, str]:
        return {"dir": str(tmp_path / "data"), "format": self.FORMAT}

    @pytest.fixture
    def broken(self, options: Mapping[str, str]) -> Broken:
        data = with_value(sample_data(), "payment_methods", "limit", 3, "lots")
        return Broken(data, options, "payment_methods row 3, field limit")

    @pytest.fixture
    def mutate(self) -> Mutate:
        def change(copy: DataCopy) -> None:
            path = Path(copy.place) / f"users.{self.FORMAT}"
            path.write_text(
                path.read_text(encoding="utf-8").replace("zoë", "zoe"), encoding="utf-8"
            )

        return change

    @pytest.fixture
    def residue(self) -> Residue:
        return _files


class TestJsonLinesFilesSinkContract(FilesContract):
    FORMAT = "jsonl"


class TestJsonFilesSinkContract(FilesContract):
    FORMAT = "json"


class TestCsvFilesSinkContract(FilesContract):
    FORMAT = "csv"


class TestSqliteSinkContract(DataSinkContract):
    @pytest.fixture
    def sink(self) -> SqliteSink:
        return SqliteSink()

    @pytest.fixture
    def options(self, tmp_path: Path) -> Mapping[str, str]:
        return {"path": str(tmp_path / "app.db")}

    @pytest.fixture
    def broken(self, options: Mapping[str, str]) -> Broken:
        data = with_value(
            sample_data(), "payment_methods", "user_id", 3, "00000000-0000-0000-0000-00000000dead"
        )
        return Broken(data, options, "payment_methods row 3")

    @pytest.fixture
    def mutate(self) -> Mutate:
        def change(copy: DataCopy) -> None:
            with sqlite3.connect(copy.place) as db:
                db.execute(
                    "UPDATE users SET prefs = ? WHERE age = 31", (json.dumps({"changed": 1}),)
                )
                db.execute("DELETE FROM payments WHERE id = 5")

        return change

    @pytest.fixture
    def residue(self) -> Residue:
        return _files
