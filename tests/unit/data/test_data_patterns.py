"""The ``pattern`` and ``template`` kinds: every value matches its regular expression, whatever
the seed; their capacity bounds ``unique``; what cannot be drawn is refused at its path."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from orch.core.data.generation import generate
from orch.core.data.kinds import built_in_kinds
from orch.core.data.test_data import TestData
from orch.ports.errors import ConfigError

KINDS = built_in_kinds()

# Shapes users write for codes, keys and identifiers, and the parts of the syntax they lean on.
PATTERNS = [
    r"[A-Z]{3}-\d{4}",
    r"[a-f0-9]{8}-[a-f0-9]{4}",
    r"(?:ORD|INV)_\d{2,6}",
    r"\+49 \d{3} \d{7}",
    r"[^\W\d_]{1,5}\s\w+",
    r"(ab|cd)x\1",
    r"[^aeiou]{3}\.?[A-Za-z]*?",
    r"^SKU-(?P<n>[0-9]{3})-(?P=n)$",
    r"\bcafé[.,;]\B",
    r"[\x41-\x43]{2}|[\[:]+",
    r"(?i)id-[a-z]{2}",
    r"(?>a|b)++c{0,3}",
    r"(?:^|/)\w+\b",  # an anchor and a boundary inside: values that miss them are redrawn
    r"a(?>bc|b)c",  # the atomic group never gives back "c": only "abcc" matches
]


def drawn(kind: str, count: int = 300, seed: int = 1, **given: Any) -> list[Any]:
    options = KINDS[kind].options(given, "en")
    return list(KINDS[kind].values(random.Random(seed), count, options, "en"))


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_value_matches_its_pattern(pattern: str, seed: int) -> None:
    values = drawn("pattern", seed=seed, argument=pattern)
    unmatched = [v for v in values if not re.fullmatch(pattern, v)]
    assert unmatched == [] and (len(set(values)) > 1 or pattern == r"a(?>bc|b)c")


def test_the_shorthand_and_the_regex_key_draw_the_same_values() -> None:
    assert drawn("pattern", argument=r"\d{6}") == drawn("pattern", regex=r"\d{6}")
    assert drawn("pattern", argument=r"\d{6}") != drawn("pattern", seed=2, argument=r"\d{6}")


def test_a_template_keeps_its_text_and_fills_its_placeholders() -> None:
    values = drawn("template", argument="ORD-{#####}/{?*}{{x}}")
    assert all(re.fullmatch(r"ORD-\d{5}/[A-Z][A-Z0-9]\{x\}", v) for v in values)
    assert drawn("template", template="{##}") == drawn("template", argument="{##}")


def test_capacity_counts_what_a_pattern_can_draw() -> None:
    def capacity(kind: str, **given: Any) -> int | None:
        return KINDS[kind].capacity(KINDS[kind].options(given, "en"), "en")

    assert capacity("pattern", argument=r"[ab]{2}") == 4
    assert capacity("pattern", argument=r"x|y\d") == 11
    assert capacity("pattern", argument=r"a?b") == 2
    assert capacity("template", argument="{#?}") == 260
    assert capacity("pattern", argument=r"\w+") is None


def test_a_unique_pattern_field_draws_its_whole_capacity_and_no_more() -> None:
    def spec(count: int) -> Any:
        schema = {"code": {"kind": "pattern", "regex": "[ab][xyz]", "unique": True}}
        return TestData("t").add_generator("orders", {"count": count, "schema": schema}).spec()

    codes = generate(spec(6), KINDS).table("orders").column("code").values
    assert sorted(codes) == ["ax", "ay", "az", "bx", "by", "bz"]
    with pytest.raises(ConfigError, match="7 rows need distinct values but this pattern has only"):
        generate(spec(7), KINDS)


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ("pattern:(?=a)b", "argument: lookahead and lookbehind cannot be drawn"),
        ("pattern:(a)?(?(1)b|c)", "argument: conditional groups (?(1)...) cannot be drawn"),
        ("pattern:a\\bb", "argument: its anchors, word boundaries or atomic groups leave no"),
        ("pattern:[^\\x00-\\x7f]", "argument: a character class that matches nothing printable"),
        ("pattern:a(", "argument: not a valid regular expression: missing ) at position 2"),
        ("pattern:(?:a{50}){50}{50}", "argument: its repeats multiply to more than 100,000"),
        ({"kind": "pattern"}, "regex: a pattern needs its regular expression"),
        ({"kind": "pattern", "regex": "a", "flags": "i"}, "flags: unknown option of pattern"),
        ("template:ORD-", "argument: a template needs at least one {...}"),
        ("template:ORD-{#a}", "argument: each {...} holds only #, ? and *"),
        ("template:ORD-{##", "argument: each {...} holds only #, ? and *"),
        ("template:{#}}", "argument: a '}' without its '{'"),
    ],
)
def test_what_cannot_be_drawn_is_refused_at_its_path(field: Any, problem: str) -> None:
    data = TestData("t").add_generator("orders", {"count": 1, "schema": {"code": field}})
    with pytest.raises(ConfigError) as error:
        data.spec(KINDS)
    assert str(error.value).startswith(f"test data 't': generators.orders.schema.code.{problem}")
