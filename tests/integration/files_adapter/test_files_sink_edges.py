"""The file sinks' own promises beyond the contract: byte-identical JSON Lines, the CSV
conventions, bad options and places, a killed load's leftovers, SQLite's own refusals."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from orch.adapters.files.folder_sink import FilesSink
from orch.adapters.files.formats import write_jsonl
from orch.adapters.files.places import temporary
from orch.adapters.files.sqlite_sink import SqliteSink
from orch.core import load_registry
from orch.ports.data import Column, GeneratedData, SinkTarget, Table
from orch.ports.errors import ConfigError, DataProblem
from orch.testing.data_sink_contracts import sample_data, with_value


def _target(kind: str, **options: str) -> SinkTarget:
    return SinkTarget(kind, options, "edge-owner")


def test_json_lines_are_compact_in_schema_order_and_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_jsonl(sample_data().table("users"), first)
    write_jsonl(sample_data().table("users"), second)
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 5
    assert lines[0].decode() == (
        '{"id":"00000000-0000-0000-0000-000000000001","email":"zoë@example.com","age":31,'
        '"balance":"12.50","active":true,"created":"2026-03-04T05:06:07+00:00",'
        '"birthday":"1990-01-31","prefs":{"a":[1,2],"b":null}}'
    )
    assert (
        hashlib.sha256(first.read_bytes()).hexdigest()
        == hashlib.sha256(second.read_bytes()).hexdigest()
    )


def test_csv_has_a_header_empty_nulls_and_json_as_json_text(tmp_path: Path) -> None:
    sink = FilesSink()
    loaded = sink.load(sample_data(), _target("files", dir=str(tmp_path), format="csv"))
    lines = (Path(loaded.place) / "users.csv").read_text(encoding="utf-8").split("\n")
    assert lines[0] == "id,email,age,balance,active,created,birthday,prefs"
    assert lines[1].endswith(
        ',12.50,true,2026-03-04T05:06:07+00:00,1990-01-31,"{""a"":[1,2],""b"":null}"'
    )
    assert ",,-0.01,false," in lines[2] and lines[2].endswith(",,[]")


def test_a_folder_that_cannot_be_made_is_a_data_problem_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataProblem, match="a-file.*give another dir"):
        FilesSink().load(sample_data(), _target("files", dir=str(blocker / "data")))
    with pytest.raises(DataProblem, match="a-file"):
        SqliteSink().load(sample_data(), _target("sqlite", path=str(blocker / "app.db")))
    assert blocker.read_text() == "not a folder"


def test_missing_or_unknown_options_are_config_errors_naming_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="option dir is required"):
        FilesSink().load(sample_data(), _target("files"))
    with pytest.raises(ConfigError, match="format 'xml' is not one of jsonl, json, csv"):
        FilesSink().load(sample_data(), _target("files", dir=str(tmp_path), format="xml"))
    with pytest.raises(ConfigError, match="option path is required"):
        SqliteSink().leftovers({}, lambda _owner: True)


@pytest.mark.parametrize("sink, kind", [(FilesSink(), "dir"), (SqliteSink(), "path")])
def test_an_entity_that_cannot_name_a_file_or_table_is_refused(
    tmp_path: Path, sink: FilesSink | SqliteSink, kind: str
) -> None:
    bad = Table("../escape", (Column("id", "int", [1]),))
    data = GeneratedData("d", "v", 1, (sample_data().table("users"), bad))
    option = str(tmp_path / "out") if kind == "dir" else str(tmp_path / "app.db")
    with pytest.raises(DataProblem, match="entity '../escape': not a plain name"):
        sink.load(data, _target(sink.PLUGIN_NAME, **{kind: option}))
    assert not (tmp_path / "escape").exists()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("age", True),
        ("active", 1),
        ("created", "2026-03-04T05:06:07"),
        ("prefs", "{}"),
        ("id", "nope"),
    ],
)
def test_a_value_not_of_its_type_is_refused_naming_row_and_field(
    tmp_path: Path, field: str, value: object
) -> None:
    data = with_value(sample_data(), "users", field, 2, value)
    with pytest.raises(DataProblem, match=f"users row 2, field {field}: .* is not a"):
        write_jsonl(data.table("users"), tmp_path / "users.jsonl")


def test_leftovers_finds_a_killed_load_s_hidden_folder(tmp_path: Path) -> None:
    sink = FilesSink()
    loaded = sink.load(sample_data(), _target("files", dir=str(tmp_path)))
    half = temporary(Path(loaded.place))
    Path(loaded.place).rename(half)
    removed = sink.leftovers({"dir": str(tmp_path)}, lambda _owner: False)
    assert removed == [str(half)]
    assert list(tmp_path.iterdir()) == []


def test_sqlite_refuses_a_duplicate_key_naming_the_row(tmp_path: Path) -> None:
    duplicate = sample_data().table("users").column("id").values[0]
    data = with_value(sample_data(), "users", "id", 4, duplicate)
    with pytest.raises(DataProblem, match="users row 4: sqlite refused it: UNIQUE"):
        SqliteSink().load(data, _target("sqlite", path=str(tmp_path / "app.db")))
    assert list(tmp_path.iterdir()) == []


def test_sqlite_reset_is_seen_by_a_connection_the_test_holds(tmp_path: Path) -> None:
    sink = SqliteSink()
    loaded = sink.load(sample_data(), _target("sqlite", path=str(tmp_path / "app.db")))
    copy = sink.copy(loaded, "w0")
    assert Path(copy.place).name == "app.orch_edge-owner_contract@w0.db"
    held = sqlite3.connect(copy.place, isolation_level=None)
    held.execute("DELETE FROM payments")
    sink.reset(copy)
    assert held.execute("SELECT count(*) FROM payments").fetchone() == (5,)
    held.close()
    assert json.loads(held_value(copy.place)) == {"a": [1, 2], "b": None}


def held_value(path: str) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT prefs FROM users ORDER BY rowid").fetchone()[0])


def test_the_registry_finds_the_files_and_sqlite_sinks() -> None:
    sinks = load_registry().sinks
    assert (sinks.get("files"), sinks.get("sqlite")) == (FilesSink, SqliteSink)
