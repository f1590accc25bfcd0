"""The built-in kinds: their options (each wrong one named by its key), their values, their
capacity; and the plugins' kinds joining them."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from orch.core.data.kinds import available_kinds, built_in_kinds
from orch.core.plugins import PluginInfo, Registry
from orch.ports import PluginError
from orch.ports.field_kinds import FieldKind

KINDS = built_in_kinds()


def drawn(kind: str, count: int = 2000, seed: int = 1, **given: Any) -> list[Any]:
    options = KINDS[kind].options(given, "en")
    return list(KINDS[kind].values(random.Random(seed), count, options, "en"))


def test_every_built_in_kind_keeps_the_port() -> None:
    assert sorted(KINDS) == [
        "bool",
        "date",
        "decimal",
        "enum",
        "int",
        "json",
        "pattern",
        "sequence",
        "template",
        "timestamp",
        "uuid",
    ]
    assert all(isinstance(kind, FieldKind) for kind in KINDS.values())


def test_uuids_have_the_uuid4_layout_and_come_from_the_stream() -> None:
    values = drawn("uuid")
    assert all(
        uuid.UUID(v).version == 4
        and uuid.UUID(v).variant == uuid.RFC_4122
        and str(uuid.UUID(v)) == v
        for v in values
    )
    assert values == drawn("uuid") and values != drawn("uuid", seed=2)


def test_ints_stay_in_range_and_a_normal_one_is_clamped() -> None:
    assert set(drawn("int", argument="1..5")) == {1, 2, 3, 4, 5}
    normal = drawn("int", min=0, max=10, distribution="normal", mean=10, stddev=5)
    assert min(normal) >= 0 and max(normal) == 10 and normal.count(10) > 500
    assert KINDS["int"].capacity(KINDS["int"].options({"argument": "1..5"}, "en"), "en") == 5


def test_decimals_are_exact_strings_with_their_scale() -> None:
    values = drawn("decimal", min="-1.5", max=2, scale=2)
    assert all(Decimal("-1.5") <= Decimal(v) <= 2 and len(v.split(".")[1]) == 2 for v in values)
    assert "-0.05" in values or any(v.startswith("-0.") for v in values)
    assert set(drawn("decimal", 50, argument="3..4", scale=0)) == {"3", "4"}


def test_bools_enums_and_weights() -> None:
    assert 0.15 < drawn("bool", probability=0.2).count(True) / 2000 < 0.25
    assert set(drawn("enum", argument="a, b,c")) == {"a", "b", "c"}
    weighted = drawn("enum", values=["x", "y"], weights=[0, 1])
    assert set(weighted) == {"y"}
    options = KINDS["enum"].options({"values": ["x", "y"], "weights": [0, 1]}, "en")
    assert KINDS["enum"].capacity(options, "en") == 1


def test_times_lie_in_a_fixed_range_whatever_the_day() -> None:
    stamps = drawn("timestamp")
    assert min(stamps) >= "2020-01-01T00:00:00+00:00" and max(stamps) <= "2025-12-31T23:59:59"
    assert all(s.endswith("+00:00") for s in stamps)
    days = drawn("date", start="2024-02-28", end="2024-03-01")
    assert set(days) == {"2024-02-28", "2024-02-29", "2024-03-01"}
    assert set(
        drawn("timestamp", 100, argument="2024-01-01T00:00:00+02:00..2023-12-31T22:00:01Z")
    ) == {"2023-12-31T22:00:00+00:00", "2023-12-31T22:00:01+00:00"}


def test_sequences_and_free_json() -> None:
    assert drawn("sequence", 4, start=10, step=-2) == [10, 8, 6, 4]
    objects = drawn("json", 3)
    assert objects == drawn("json", 3) and all(
        set(o) == {"code", "level", "active"} for o in objects
    )


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        ("uuid", {"version": 4}, "version: uuid takes no options"),
        ("int", {"argument": "5"}, "argument: must be a range 'LOW..HIGH'; got '5'"),
        ("int", {"min": 1.5}, "min: must be a whole number; got 1.5"),
        (
            "int",
            {"distribution": "normall"},
            "distribution: unknown distribution 'normall'; did you mean "
            "'normal'? (available: uniform, normal)",
        ),
        ("decimal", {"max": "lots"}, "max: must be a number such as 12.50; got 'lots'"),
        ("decimal", {"scale": 30}, "scale: must be from 0 to 18 digits after the point; got 30"),
        ("bool", {"probability": 2}, "probability: must be a number from 0 to 1; got 2"),
        (
            "enum",
            {"values": ["a", "a"]},
            "values: each value must appear once (use weights to favour one)",
        ),
        (
            "enum",
            {"argument": "a,b", "weights": [1]},
            "weights: must be 2 numbers of 0 or more, one "
            "per value, not all 0; got a list of 1 item",
        ),
        (
            "timestamp",
            {"start": "yesterday"},
            "start: must be an ISO date or time such as 2024-05-01 "
            "or 2024-05-01T12:00:00+00:00; got 'yesterday'",
        ),
        (
            "date",
            {"start": "2024-02-01", "end": "2024-01-01"},
            "end: must be at least start (2024-02-01); got 2024-01-01",
        ),
        ("sequence", {"step": 0}, "step: must not be 0 (every row would have the same value)"),
        (
            "json",
            {"schema": []},
            "schema: must map each key to its kind ({plan: 'enum:a,b'}); got an empty list",
        ),
    ],
)
def test_a_wrong_option_names_its_key(kind: str, given: dict, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        KINDS[kind].options(given, "en")
    assert str(raised.value) == message


class Shout:
    """A plugin's kind, as orch-mimesis registers its own."""

    PLUGIN_NAME: ClassVar[str] = "shout"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        return dict(given)

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "text"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return None

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> list[str]:
        return ["HEY"] * count


class FakeUuid(Shout):
    PLUGIN_NAME: ClassVar[str] = "uuid"


def test_plugins_kinds_join_the_built_in_ones_but_cannot_replace_them() -> None:
    info = PluginInfo("field", "shout", "acme", "1", "acme.kinds", Shout)
    kinds = available_kinds(Registry([info]))
    assert isinstance(kinds["shout"], Shout) and set(KINDS) <= set(kinds)
    clash = PluginInfo("field", "uuid", "acme", "1", "acme.kinds", FakeUuid)
    with pytest.raises(PluginError, match="^field kind 'uuid' is built into orch"):
        available_kinds(Registry([clash]))
