"""Field kinds drawn from locale data: names, emails, phones, addresses, cities, countries,
companies, words and text. Each draws a whole column at once from the stream it is given
(``rng.choices`` over the locale's lists), so 100,000 values cost a few list operations, and
the same stream gives the same values on any machine: ``VERSION`` carries Mimesis' version,
whose data may change between releases."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from orch.adapters.mimesis.locale_data import (
    DOMAINS,
    MIMESIS_VERSION,
    USER_NAMES,
    address_format,
    checked_locale,
    words,
)

VERSION = f"1+mimesis-{MIMESIS_VERSION}"
MAX_NUMBER = 10_000
"""Numbers after a user name (``jane1234``) and street numbers are below this."""


class LocaleKind:
    """A kind whose values come from one locale's lists; ``WORDS`` name those lists (a value
    joins one draw from each with ``JOIN``), ``TAKES`` the options it has."""

    PLUGIN_NAME: ClassVar[str] = ""
    VERSION: ClassVar[str] = VERSION
    WORDS: ClassVar[tuple[str, ...]] = ()
    JOIN: ClassVar[str] = " "
    TAKES: ClassVar[Mapping[str, str]] = {}

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        checked_locale(locale)
        for key in given:
            if key not in self.TAKES:
                takes = ", ".join(self.TAKES) or "none"
                raise ValueError(
                    f"{key}: {self.PLUGIN_NAME} takes no such option (it takes {takes})"
                )
        return dict(given)

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "text"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        total = 1
        for entry in self.WORDS:
            total *= len(words(locale, entry))
        return total

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        columns = [rng.choices(words(locale, entry), k=count) for entry in self.WORDS]
        return [self.JOIN.join(parts) for parts in zip(*columns, strict=True)]


class Name(LocaleKind):
    PLUGIN_NAME = "name"
    WORDS = ("first_names", "last_names")


class FirstName(LocaleKind):
    PLUGIN_NAME = "first_name"
    WORDS = ("first_names",)


class LastName(LocaleKind):
    PLUGIN_NAME = "last_name"
    WORDS = ("last_names",)


class City(LocaleKind):
    PLUGIN_NAME = "city"
    WORDS = ("cities",)


class Country(LocaleKind):
    PLUGIN_NAME = "country"
    WORDS = ("countries",)


class Company(LocaleKind):
    PLUGIN_NAME = "company"
    WORDS = ("companies",)


class Word(LocaleKind):
    PLUGIN_NAME = "word"
    WORDS = ("words",)


class Username(LocaleKind):
    """``jane1234``: a Latin user name and a number, whatever the locale."""

    PLUGIN_NAME = "username"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return len(USER_NAMES) * MAX_NUMBER

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        names = rng.choices(USER_NAMES, k=count)
        return [f"{name}{rng.randrange(MAX_NUMBER)}" for name in names]


class Email(Username):
    """``jane1234@example.com``: a user name, a number and a domain (ASCII in any locale)."""

    PLUGIN_NAME = "email"
    TAKES = {"domains": "the domains to draw from, e.g. [example.com] (default: Mimesis' list)"}

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        checked = dict(super().options(given, locale))
        domains = checked.get("domains", DOMAINS)
        if (
            not isinstance(domains, list | tuple)
            or not domains
            or not all(isinstance(d, str) and d.strip("@") for d in domains)
        ):
            raise ValueError("domains: expected a list of domain names such as [example.com]")
        checked["domains"] = [domain.lstrip("@") for domain in domains]
        return checked

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return len(USER_NAMES) * MAX_NUMBER * len(options["domains"])

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        users = super().values(rng, count, options, locale)
        domains = rng.choices(options["domains"], k=count)
        return [f"{user}@{domain}" for user, domain in zip(users, domains, strict=True)]


class Phone(LocaleKind):
    """A number in one of the locale's formats (``+1-325-###-####``), each ``#`` a digit."""

    PLUGIN_NAME = "phone"
    WORDS = ("phones",)

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return sum(10 ** form.count("#") for form in words(locale, "phones"))

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        forms = rng.choices(words(locale, "phones"), k=count)
        return ["".join(str(rng.randrange(10)) if c == "#" else c for c in f) for f in forms]


_PLACE = re.compile(r"\{(\w*)\}")


class Address(LocaleKind):
    """A street address written as the locale writes one (``{st_num} {st_name} {st_sfx}``)."""

    PLUGIN_NAME = "address"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        streets = len(words(locale, "streets")) * len(words(locale, "street_suffixes"))
        return streets * (MAX_NUMBER - 1)

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        pieces = _PLACE.split(address_format(locale))  # text, place, text, place, ..., text
        columns: list[Sequence[str]] = []
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                columns.append([piece] * count)
            elif piece in _STREET:
                columns.append(rng.choices(words(locale, _STREET[piece]), k=count))
            elif piece == "" and index == 1:  # a format of bare places starts with the city
                columns.append(rng.choices(words(locale, "cities"), k=count))
            else:
                columns.append([str(rng.randrange(1, MAX_NUMBER)) for _ in range(count)])
        return ["".join(row) for row in zip(*columns, strict=True)]


_STREET = {"st_name": "streets", "st_sfx": "street_suffixes"}


class Text(LocaleKind):
    """``sentences`` sentences of the locale's text (default 1)."""

    PLUGIN_NAME = "text"
    TAKES = {"sentences": "how many sentences a value has (1 to 20, default 1)"}

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        checked = dict(super().options(given, locale))
        sentences = checked.setdefault("sentences", 1)
        if (
            isinstance(sentences, bool)
            or not isinstance(sentences, int)
            or not 1 <= sentences <= 20
        ):
            raise ValueError(f"sentences: expected a whole number from 1 to 20, got {sentences!r}")
        return checked

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return len(words(locale, "sentences")) ** options["sentences"]

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        sentences = words(locale, "sentences")
        parts = [rng.choices(sentences, k=count) for _ in range(options["sentences"])]
        return [" ".join(row) for row in zip(*parts, strict=True)]


KINDS = (
    Name,
    FirstName,
    LastName,
    Email,
    Username,
    Phone,
    Address,
    City,
    Country,
    Company,
    Word,
    Text,
)
