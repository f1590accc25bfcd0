"""The dataset mapping's syntax: each bad input is one exact line naming its path."""

from __future__ import annotations

import pytest

from orch.core.data.kinds import built_in_kinds
from orch.core.data.test_data import TestData
from orch.core.data.validation import check_dataset
from orch.core.shared.data_spec import dataset_from
from orch.ports.data import PerParent, SinkSpec
from orch.ports.errors import ConfigError

W = "test_data.payments"


def users(**schema: object) -> dict:
    return {"count": 10, "schema": {"id": "uuid", **schema}}


def problems_of(given: object) -> list[str]:
    spec, problems = dataset_from("payments", given, W)
    assert (spec is None) == bool(problems)
    return problems


def test_a_full_dataset_reads_into_its_spec() -> None:
    spec, problems = dataset_from(
        "payments",
        {
            "seed": 7,
            "locale": "de",
            "version": "abc",
            "sink": {"postgres": {"url": "{db.url}"}},
            "generators": {
                "users": users(age="int:1..100", level={"kind": "int", "min": 1, "unique": True}),
                "cards": {
                    "count": {"per": "users", "min": 1, "max": 3},
                    "schema": {
                        "user_id": "ref:users.id",
                        "other": {"kind": "ref", "to": "users.id", "nullable": 0.2},
                    },
                },
            },
        },
        W,
    )
    assert problems == [] and spec is not None
    assert (spec.seed, spec.locale, spec.pinned) == (7, "de", "abc")
    assert spec.sink == SinkSpec("postgres", {"url": "{db.url}"})
    age, level = spec.entities[0].fields[1:]
    assert (age.kind, dict(age.options)) == ("int", {"argument": "1..100"})
    assert (level.unique, dict(level.options)) == (True, {"min": 1})
    cards = spec.entity("cards")
    assert cards is not None and cards.count == PerParent("users", 1, 3)
    assert [dict(f.options) for f in cards.fields] == [{"to": "users.id"}] * 2
    assert cards.fields[1].nullable == 0.2


@pytest.mark.parametrize(
    ("given", "line"),
    [
        (
            {"generators": {"users": {"count": -1, "schema": {"id": "uuid"}}}},
            f"{W}.generators.users.count: must be a whole number of rows (0 or more) or "
            "{per: ENTITY, min: N, max: M}; got -1",
        ),
        (
            {"sead": 1, "generators": {"users": users()}},
            f"{W}.sead: unknown key; did you mean 'seed'? (valid: seed, locale, generators, sink, "
            "version)",
        ),
        (
            {"generators": {"users": {"count": 1, "shema": {}}}},
            f"{W}.generators.users.shema: unknown key; did you mean 'schema'? "
            "(valid: count, schema)\n"
            f"{W}.generators.users.schema: must map each field's name to its kind "
            "({id: uuid, age: 'int:18..99'}); got null",
        ),
        (
            {"generators": {"users": users(email=3)}},
            f"{W}.generators.users.schema.email: must be a kind ('uuid', 'int:1..100', "
            "'ref:users.id') or a mapping with 'kind'; got 3",
        ),
        (
            {"generators": {"users": users(n={"kind": "int", "nullable": 2})}},
            f"{W}.generators.users.schema.n.nullable: must be the share of rows left null, "
            "from 0 to 1 "
            "(0.1: a tenth); got 2",
        ),
        (
            {"generators": {"users": users(owner="ref:people.id")}},
            f"{W}.generators.users.schema.owner: unknown entity 'people' (available: users)",
        ),
        (
            {"generators": {"users": users(owner="ref:users.idd")}},
            f"{W}.generators.users.schema.owner: unknown field of users 'idd'; did you mean 'id'? "
            "(available: id, owner)",
        ),
        (
            {"generators": {"users": users(owner="ref:users")}},
            f"{W}.generators.users.schema.owner: a ref names its target as 'ENTITY.FIELD' "
            "('ref:users.id', or to: users.id); got 'users'",
        ),
        (
            {
                "generators": {
                    "a": {"count": 1, "schema": {"b": "ref:b.id", "id": "uuid"}},
                    "b": {"count": 1, "schema": {"a": "ref:a.id", "id": "uuid"}},
                }
            },
            f"{W}.generators: the entities refer to each other in a cycle (a -> b -> a); "
            "one of them "
            "cannot be generated first, so drop one of these refs or counts",
        ),
        (
            {
                "generators": {
                    "c": {"count": {"per": "users", "min": 3, "max": 1}, "schema": {"x": "uuid"}},
                    "users": users(),
                }
            },
            f"{W}.generators.c.count.max: must be at least min (3); got 1",
        ),
        (
            {"sink": {"postgres": {"port": 5432}}, "generators": {"users": users()}},
            f"{W}.sink.postgres.port: must be a string (templates such as '{{db.url}}' "
            "are allowed); "
            "got 5432",
        ),
        (
            {"generators": {"my-users": users()}},
            f"{W}.generators.my-users: the name 'my-users' must be a letter or '_', then letters, "
            "digits or '_' (it names a table or column)",
        ),
        (
            {"seed": "x", "generators": {"users": users()}},
            f"{W}.seed: must be a whole number (the same seed gives the same data); got 'x'",
        ),
    ],
)
def test_each_bad_input_is_one_exact_line(given: object, line: str) -> None:
    assert problems_of(given) == line.split("\n")


@pytest.mark.parametrize(
    ("schema", "line"),
    [
        (
            {"email": "emial"},
            "schema.email: unknown kind 'emial'; did you mean 'decimal'? "
            "(available: bool, date, decimal, "
            "enum, int, json, pattern, sequence, template, timestamp, uuid)",
        ),
        (
            {"age": {"kind": "int", "min": 5, "max": 1}},
            "schema.age.max: must be at least min (5); got 1",
        ),
        (
            {"age": {"kind": "int", "mni": 5}},
            "schema.age.mni: unknown option of int; did you mean "
            "'min'? (valid: argument, min, max, distribution, mean, stddev)",
        ),
        (
            {"flag": {"kind": "bool", "unique": True}},
            "schema.flag.unique: 10 rows need distinct values but this bool has only 2; "
            "widen its range "
            "or lower the count",
        ),
        (
            {"d": {"kind": "json", "schema": {"plan": "enum"}}},
            "schema.d.schema.plan.values: an enum needs its values: "
            "enum:a,b,c or values: [a, b, c]",
        ),
    ],
)
def test_kind_problems_name_their_field(schema: dict, line: str) -> None:
    spec, problems = dataset_from("p", {"generators": {"users": users(**schema)}}, W)
    assert problems == [] and spec is not None
    assert check_dataset(spec, built_in_kinds(), W) == [f"{W}.generators.users.{line}"]


def test_a_ref_to_a_nullable_field_is_refused() -> None:
    spec, _ = dataset_from(
        "p",
        {
            "generators": {
                "users": users(maybe={"kind": "uuid", "nullable": 0.5}),
                "cards": {"count": 1, "schema": {"r": "ref:users.maybe"}},
            }
        },
        W,
    )
    assert spec is not None
    assert check_dataset(spec, built_in_kinds(), W) == [
        f"{W}.generators.cards.schema.r: refers to users.maybe, which may be null; refer to a "
        "field without nullable (a key such as its id)"
    ]


def test_the_python_api_checks_each_generator_at_once() -> None:
    data = TestData("integration-test-data")
    data.add_generator(
        "users", {"count": 10, "schema": {"id": "uuid", "name": "int", "created_at": "timestamp"}}
    )
    with pytest.raises(ConfigError) as raised:
        data.add_generator("cards", {"count": 5, "schema": {"id": 3}})
    assert str(raised.value) == (
        "test data 'integration-test-data': generators.cards.schema.id: must be a kind ('uuid', "
        "'int:1..100', 'ref:users.id') or a mapping with 'kind'; got 3"
    )
    data.add_generator(
        "cards",
        {
            "count": 5,
            "schema": {
                "id": "uuid",
                "user_id": "ref:users.id",
                "type": "enum:credit_card,paypal",
                "details": "json",
            },
        },
    )
    spec = data.spec(built_in_kinds())
    assert [e.name for e in spec.entities] == ["users", "cards"] and spec.seed == 0


def test_the_python_api_reports_refs_and_kinds_with_its_prefix() -> None:
    data = TestData("t").add_generator("a", {"count": 1, "schema": {"b": "ref:nope.id"}})
    with pytest.raises(ConfigError, match=r"^test data 't': generators.a.schema.b: unknown entity"):
        data.spec()
    data = TestData("t").add_generator("a", {"count": 1, "schema": {"b": "uuidd"}})
    assert data.spec().entities[0].fields[0].kind == "uuidd"
    with pytest.raises(
        ConfigError,
        match=r"^test data 't': generators.a.schema.b: unknown kind "
        r"'uuidd'; did you mean 'uuid'\?",
    ):
        data.spec(built_in_kinds())


def test_a_count_per_a_missing_entity_is_named() -> None:
    given = {
        "generators": {
            "cards": {"count": {"per": "usres", "max": 2}, "schema": {"x": "uuid"}},
            "users": users(),
        }
    }
    assert problems_of(given) == [
        f"{W}.generators.cards.count.per: unknown entity 'usres'; did you mean 'users'? "
        "(available: cards, users)"
    ]


def test_a_unique_ref_filled_per_parent_row_is_refused() -> None:
    spec, _ = dataset_from(
        "p",
        {
            "generators": {
                "users": users(),
                "cards": {
                    "count": {"per": "users", "max": 2},
                    "schema": {"u": {"kind": "ref", "to": "users.id", "unique": True}},
                },
            }
        },
        W,
    )
    assert spec is not None
    assert check_dataset(spec, built_in_kinds(), W) == [
        f"{W}.generators.cards.schema.u.unique: this ref is filled per users row, up to 2 times "
        "each; drop unique or set count.max to 1"
    ]
