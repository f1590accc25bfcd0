"""The versions store, the spec kept with each version, JSON Lines output and diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core.data.diffing import diff_tables
from orch.core.data.jsonl import write_jsonl
from orch.core.data.spec_json import spec_from_json, spec_json
from orch.core.data.versions import Versions
from orch.ports import ConfigError
from orch.ports.data import Column, DatasetSpec, EntitySpec, FieldSpec, PerParent, Table

SPEC = DatasetSpec(
    "shop",
    42,
    (
        EntitySpec("users", 3, (FieldSpec("id", "uuid", unique=True), FieldSpec("name", "name"))),
        EntitySpec(
            "cards",
            PerParent("users", 1, 3),
            (FieldSpec("user_id", "ref", {"to": "users.id"}, nullable=0.25),),
        ),
    ),
    locale="de",
)


def test_a_spec_comes_back_from_its_json_as_it_was() -> None:
    assert spec_from_json(spec_json(SPEC)) == SPEC


def test_a_version_is_recorded_once_and_found_by_a_prefix(tmp_path: Path) -> None:
    versions = Versions(tmp_path)
    first = versions.record(SPEC, "abcdef0123", {"users": 3})
    assert versions.record(SPEC, "abcdef0123", {"users": 9}) == first
    versions.used("abcdef0123", "run-1", ["b", "a"])
    found = versions.get("abcdef")
    assert found is not None and found.spec == SPEC and found.rows == {"users": 3}
    assert [(r["run"], r["apps"]) for r in found.runs] == [("run-1", ["a", "b"])]
    assert versions.get("abc") is None  # too short to be a prefix
    assert versions.get("ffffff") is None
    assert [v.version for v in versions.all("shop")] == ["abcdef0123"]
    assert versions.all("other") == []


def test_an_ambiguous_prefix_and_a_corrupt_record_are_one_line_each(tmp_path: Path) -> None:
    versions = Versions(tmp_path)
    versions.record(SPEC, "abcdef01", {})
    versions.record(SPEC, "abcdef02", {})
    with pytest.raises(ConfigError, match="could be any of abcdef01, abcdef02"):
        versions.get("abcdef")
    (versions.folder / "abcdef01.json").write_text("{not json")
    with pytest.raises(ConfigError, match="abcdef01.json: not a dataset version orch wrote"):
        versions.get("abcdef01")
    with pytest.raises(ConfigError, match="is not recorded"):
        versions.used("0123456789", "run", [])


def table(entity: str, ids: list[str], names: list[str], key: str | None = "id") -> Table:
    return Table(entity, (Column("id", "uuid", ids), Column("name", "text", names)), key=key)


def test_a_diff_matches_rows_by_key_and_names_the_fields_that_changed() -> None:
    before = {"users": table("users", ["1", "2", "3"], ["a", "b", "c"])}
    after = {
        "users": table("users", ["2", "3", "4"], ["b", "C", "d"]),
        "cards": table("cards", ["9"], ["x"]),
    }
    [users, cards] = diff_tables(before, after)
    assert (users.added, users.removed, users.changed, users.fields) == (1, 1, 1, ("name",))
    assert cards.as_json() == {
        "entity": "cards",
        "added": 1,
        "removed": 0,
        "changed": 0,
        "fields": [],
    }


def test_rows_without_a_key_are_matched_by_position() -> None:
    keyless = Table("log", (Column("line", "text", ["a", "b"]),))
    changed = Table("log", (Column("line", "text", ["a", "z", "c"]),))
    [log] = diff_tables({"log": keyless}, {"log": changed})
    assert (log.added, log.removed, log.changed) == (1, 0, 1)


def test_json_lines_are_the_same_bytes_for_the_same_rows(tmp_path: Path) -> None:
    rows = Table(
        "users",
        (
            Column("id", "int", [1, 2]),
            Column("name", "text", ["Zoë", None]),
            Column("details", "json", [{"b": 1, "a": [True]}, {}]),
        ),
    )
    write_jsonl(rows, tmp_path / "users.jsonl")
    assert (tmp_path / "users.jsonl").read_bytes() == (
        '{"id":1,"name":"Zoë","details":{"b":1,"a":[true]}}\n{"id":2,"name":null,"details":{}}\n'
    ).encode()
    assert [p.name for p in tmp_path.iterdir()] == ["users.jsonl"]
