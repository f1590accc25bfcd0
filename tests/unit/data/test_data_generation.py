"""Generation: the same rows for the same spec in any process; each field's values its own;
references, uniqueness and counts hold for every seed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from orch.core.data.generation import generate
from orch.core.data.integrity import check_integrity
from orch.core.data.kinds import built_in_kinds
from orch.core.data.test_data import TestData
from orch.core.data.version import dataset_version
from orch.ports.data import Column, DatasetSpec, GeneratedData, SinkSpec, Table
from orch.ports.errors import ConfigError, DataProblem

KINDS = built_in_kinds()
USERS = {
    "count": 40,
    "schema": {
        "id": "uuid",
        "age": "int:18..99",
        "plan": "enum:free,pro",
        "joined": "timestamp",
        "code": {"kind": "int", "min": 1, "max": 60, "unique": True},
    },
}
CARDS = {
    "count": {"per": "users", "min": 1, "max": 3},
    "schema": {
        "id": "sequence",
        "user_id": "ref:users.id",
        "backup": {"kind": "ref", "to": "users.code", "nullable": 0.3},
        "details": {
            "kind": "json",
            "schema": {"brand": "enum:visa,amex", "limit": "decimal:100..900"},
        },
    },
}
PAYMENTS = {
    "count": 120,
    "schema": {
        "id": "uuid",
        "card": "ref:cards.id",
        "amount": {"kind": "decimal", "min": 1, "max": 99, "distribution": "normal"},
        "on": "date",
        "ok": "bool",
    },
}


def dataset(seed: int = 0, **generators: dict) -> DatasetSpec:
    data = TestData("shop", seed=seed)
    for entity, mapping in (
        generators or {"users": USERS, "cards": CARDS, "payments": PAYMENTS}
    ).items():
        data.add_generator(entity, mapping)
    return data.spec(KINDS)


def dumped(data: GeneratedData) -> bytes:
    tables = [
        [t.entity, t.key, dict(t.references), [[c.name, c.type, list(c.values)] for c in t.columns]]
        for t in data.tables
    ]
    return json.dumps([data.version, tables], sort_keys=True).encode()


def column(data: GeneratedData, entity: str, field: str) -> list[Any]:
    return list(data.table(entity).column(field).values)


def test_the_same_spec_gives_the_same_bytes_twice_and_in_another_process() -> None:
    here = hashlib.sha256(dumped(generate(dataset(5), KINDS))).hexdigest()
    assert hashlib.sha256(dumped(generate(dataset(5), KINDS))).hexdigest() == here
    script = (
        f"import hashlib, sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
        "import test_data_generation as t; "
        "print(hashlib.sha256(t.dumped(t.generate(t.dataset(5), t.KINDS))).hexdigest())"
    )
    for hash_seed in ("1", "random"):
        there = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert there.stdout.strip() == here


def test_a_new_entity_a_new_field_and_another_kind_leave_other_values_alone() -> None:
    before = generate(dataset(users=USERS, cards=CARDS), KINDS)
    schema = {**USERS["schema"], "plan": "int:1..3", "extra": "uuid"}
    after = generate(
        dataset(
            early={"count": 3, "schema": {"x": "uuid"}},
            users={**USERS, "schema": schema},
            cards=CARDS,
        ),
        KINDS,
    )
    for entity, field in [
        ("users", "id"),
        ("users", "age"),
        ("users", "joined"),
        ("users", "code"),
        ("cards", "user_id"),
        ("cards", "details"),
    ]:
        assert column(after, entity, field) == column(before, entity, field)
    assert column(after, "users", "plan") != column(before, "users", "plan")
    assert before.version != after.version


@pytest.mark.parametrize("seed", range(25))
def test_refs_uniqueness_and_counts_hold_for_every_seed(seed: int) -> None:
    spec = dataset(seed)
    data = generate(spec, KINDS)
    check_integrity(data, spec)
    users, cards = data.table("users"), data.table("cards")
    ids = column(data, "users", "id")
    per_user = [column(data, "cards", "user_id").count(i) for i in ids]
    assert all(1 <= n <= 3 for n in per_user) and sum(per_user) == len(cards)
    assert column(data, "cards", "user_id") == sorted(
        column(data, "cards", "user_id"), key=ids.index
    )
    assert len(set(column(data, "users", "code"))) == len(users) == 40
    assert column(data, "cards", "id") == list(range(1, len(cards) + 1))
    assert set(column(data, "payments", "card")) <= set(column(data, "cards", "id"))
    assert [t.entity for t in data.tables] == ["users", "cards", "payments"]
    assert (users.key, cards.references["backup"]) == ("id", ("users", "code"))


def test_nulls_types_and_nested_json() -> None:
    data = generate(dataset(2), KINDS)
    backup = column(data, "cards", "backup")
    assert 0.1 < backup.count(None) / len(backup) < 0.5
    details = column(data, "cards", "details")
    assert all(
        set(d) == {"brand", "limit"}
        and d["brand"] in ("visa", "amex")
        and 100 <= float(d["limit"]) <= 900
        for d in details
    )
    types = {c.name: c.type for c in data.table("payments").columns}
    assert types == {"id": "uuid", "card": "int", "amount": "decimal", "on": "date", "ok": "bool"}
    assert data.table("cards").column("backup").type == "int"


def test_the_referenced_first_whatever_the_order_given() -> None:
    data = generate(dataset(payments=PAYMENTS, cards=CARDS, users=USERS), KINDS)
    assert [t.entity for t in data.tables] == ["users", "cards", "payments"]


def test_a_unique_field_at_its_capacity_gets_every_value() -> None:
    spec = dataset(
        users={"count": 50, "schema": {"n": {"kind": "int", "min": 1, "max": 50, "unique": True}}}
    )
    assert sorted(column(generate(spec, KINDS), "users", "n")) == list(range(1, 51))


def test_too_many_unique_rows_are_refused_before_generating() -> None:
    spec = (
        TestData("t")
        .add_generator(
            "users",
            {"count": 51, "schema": {"n": {"kind": "int", "min": 1, "max": 50, "unique": True}}},
        )
        .spec()
    )
    with pytest.raises(
        ConfigError,
        match=r"^test data 't': generators.users.schema.n.unique: "
        r"51 rows need distinct values but this int has only "
        r"50; widen its range or lower the count$",
    ):
        generate(spec, KINDS)


def test_the_version_follows_the_rows_not_the_sink_or_the_pin() -> None:
    spec = dataset(users={"count": 3, "schema": {"n": "int:1..9"}})
    longhand = dataset(users={"count": 3, "schema": {"n": {"kind": "int", "min": 1, "max": 9}}})
    moved = DatasetSpec(spec.name, spec.seed, spec.entities, sink=SinkSpec("files"), pinned="x")
    assert dataset_version(spec, KINDS) == dataset_version(longhand, KINDS)
    assert dataset_version(spec, KINDS) == dataset_version(moved, KINDS)
    assert dataset_version(spec, KINDS) != dataset_version(
        dataset(1, users={"count": 3, "schema": {"n": "int:1..9"}}), KINDS
    )
    assert len(dataset_version(spec, KINDS)) == 64


def test_integrity_finds_a_dangling_reference() -> None:
    users = Table("users", (Column("id", "int", [1, 2]),), key="id")
    cards = Table(
        "cards", (Column("user_id", "int", [1, 3, None]),), references={"user_id": ("users", "id")}
    )
    with pytest.raises(DataProblem, match=r"^d.cards.user_id: 3 is not a value of users.id$"):
        check_integrity(GeneratedData("d", "v", 0, (users, cards)))


def test_integrity_finds_a_repeat_in_a_unique_column() -> None:
    spec = dataset(users={"count": 2, "schema": {"n": {"kind": "int", "unique": True}}})
    data = GeneratedData("d", "v", 0, (Table("users", (Column("n", "int", [4, 4]),)),))
    with pytest.raises(DataProblem, match=r"^d.users.n: unique, but a value repeats$"):
        check_integrity(data, spec)


def test_an_empty_parent_leaves_its_children_empty() -> None:
    spec = dataset(
        users={"count": 0, "schema": {"id": "uuid"}},
        cards={
            "count": {"per": "users", "min": 1, "max": 2},
            "schema": {"user_id": "ref:users.id"},
        },
    )
    data = generate(spec, KINDS)
    assert (len(data.table("users")), len(data.table("cards"))) == (0, 0)


def test_integrity_finds_a_parent_with_too_many_children() -> None:
    spec = dataset(users=USERS, cards=CARDS)
    data = generate(spec, KINDS)
    cards = data.table("cards")
    first = column(data, "users", "id")[0]
    crowded = Column("user_id", "uuid", [first] * len(cards))
    broken = Table(
        "cards",
        tuple(crowded if c.name == "user_id" else c for c in cards.columns),
        references=cards.references,
    )
    with pytest.raises(DataProblem, match=r"^shop.cards.user_id: '.*' has \d+ rows, not 1..3 per"):
        check_integrity(GeneratedData("shop", "v", 0, (data.table("users"), broken)), spec)
