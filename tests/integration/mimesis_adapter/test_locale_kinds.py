"""The locale kinds on Mimesis' real data: registered, the same values from the same stream,
every locale's formats, honest capacities, clear errors for a wrong option or locale."""

from __future__ import annotations

import random
import re

import pytest

from orch.adapters.mimesis.kinds import KINDS, Email, Text
from orch.adapters.mimesis.locale_data import LOCALES
from orch.core import load_registry
from orch.core.data.generation import generate
from orch.core.data.kinds import available_kinds
from orch.ports.data import DatasetSpec, EntitySpec, FieldSpec


@pytest.fixture(scope="module")
def kinds():
    return available_kinds(load_registry())


def test_every_kind_is_found_through_the_registry(kinds) -> None:
    assert {kind.PLUGIN_NAME for kind in KINDS} <= set(kinds)


@pytest.mark.parametrize("locale", ["en", "de", "ja", "ru", "zh", "pt-br"])
@pytest.mark.parametrize("kind", KINDS, ids=[kind.PLUGIN_NAME for kind in KINDS])
def test_a_stream_gives_the_same_whole_column_in_any_locale(kind, locale: str) -> None:
    made = kind()
    options = made.options({}, locale)
    first = made.values(random.Random(5), 50, options, locale)
    assert first == made.values(random.Random(5), 50, options, locale)
    assert first != made.values(random.Random(6), 50, options, locale)
    assert len(first) == 50 and all(isinstance(v, str) and v for v in first)
    assert made.column_type(options) == "text"
    capacity = made.capacity(options, locale)
    assert capacity is not None and capacity > 1


def test_emails_are_ascii_addresses_in_every_locale() -> None:
    email = Email()
    for locale in LOCALES:
        options = email.options({}, locale)
        for value in email.values(random.Random(1), 20, options, locale):
            assert re.fullmatch(r"[a-z0-9_.]+@[a-z0-9.-]+\.[a-z]+", value), (locale, value)
    mine = email.options({"domains": ["example.com"]}, "en")
    assert {v.split("@")[1] for v in email.values(random.Random(1), 10, mine, "en")} == {
        "example.com"
    }


def test_wrong_options_and_locales_say_which() -> None:
    with pytest.raises(ValueError, match="^locale: Mimesis has no data for 'xx'"):
        Text().options({}, "xx")
    with pytest.raises(ValueError, match="^sentences: expected a whole number from 1 to 20"):
        Text().options({"sentences": 0}, "en")
    with pytest.raises(ValueError, match="^colour: name takes no such option"):
        KINDS[0]().options({"colour": "red"}, "en")
    with pytest.raises(ValueError, match="^domains: expected a list"):
        Email().options({"domains": "example.com"}, "en")


def test_a_unique_field_beyond_its_kind_s_capacity_is_refused_before_anything(kinds) -> None:
    field = FieldSpec("city", "city", unique=True)
    spec = DatasetSpec("d", 1, (EntitySpec("towns", 5000, (field,)),))
    with pytest.raises(Exception, match="towns.schema.city"):
        generate(spec, kinds)


def test_unique_emails_for_many_rows_and_the_same_bytes_twice(kinds) -> None:
    fields = (FieldSpec("email", "email", unique=True), FieldSpec("name", "name"))
    spec = DatasetSpec("d", 3, (EntitySpec("users", 20_000, fields),), locale="de")
    first = generate(spec, kinds)
    emails = first.table("users").column("email").values
    assert len(set(emails)) == 20_000
    assert first == generate(spec, kinds)
