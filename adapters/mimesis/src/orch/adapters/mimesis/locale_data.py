"""Mimesis' locale data, read once per locale from the JSON files it ships: the lists the
kinds draw from. orch uses the data and not Mimesis' providers: a provider call per value is
slow and draws from Mimesis' own random generator, while a kind must draw a whole column from
the stream core gives it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import mimesis
from mimesis.datasets import EMAIL_DOMAINS, USERNAMES
from mimesis.locales import Locale

DATA = Path(mimesis.__file__).parent / "datasets"
LOCALES = tuple(sorted(locale.value for locale in Locale))
MIMESIS_VERSION = mimesis.__version__

DOMAINS = tuple(EMAIL_DOMAINS)
"""Email domains (``@gmail.com``), the same for every locale."""

USER_NAMES = tuple(USERNAMES)
"""Latin user names: the local part of an email is ASCII whatever the locale."""


def checked_locale(locale: str) -> str:
    """``locale`` if Mimesis has data for it; ``ValueError`` naming some that it has."""
    if locale not in LOCALES:
        shown = ", ".join(LOCALES[:12])
        raise ValueError(f"locale: Mimesis has no data for {locale!r}; it has {shown}, ...")
    return locale


@cache
def _file(locale: str, name: str) -> dict[str, Any]:
    """One data file of ``locale``; a regional locale (``pt-br``) has only what differs from
    its language's (``pt``), as in Mimesis: the rest is the language's."""
    checked_locale(locale)
    language = locale.split("-")[0]
    found: dict[str, Any] = {}
    for folder in dict.fromkeys((language, locale)):
        path = DATA / folder / f"{name}.json"
        if path.is_file():
            for key, value in json.loads(path.read_text("utf-8")).items():
                base = found.get(key)
                both = isinstance(base, dict) and isinstance(value, dict)
                found[key] = base | value if both else value
    return found


def _flat(value: Any) -> tuple[str, ...]:
    """A list as it is, or the lists of a mapping (by gender) one after the other."""
    if isinstance(value, dict):
        return tuple(item for key in sorted(value) for item in value[key])
    return tuple(value)


@cache
def words(locale: str, entry: str) -> tuple[str, ...]:
    """One list of a locale: ``first_names``, ``last_names``, ``phones``, ``cities``,
    ``streets``, ``street_suffixes``, ``countries``, ``companies``, ``words``, ``sentences``."""
    person, address = _file(locale, "person"), _file(locale, "address")
    where = {
        "first_names": lambda: _flat(person["names"]),
        "last_names": lambda: _flat(person["surnames"]),
        "phones": lambda: _flat(person["telephone_fmt"]),
        "cities": lambda: _flat(address["city"]),
        "streets": lambda: _flat(address["street"]["name"]),
        "street_suffixes": lambda: _flat(address["street"]["suffix"]),
        "countries": lambda: _flat(address["country"]["name"]),
        "companies": lambda: _flat(_file(locale, "finance")["company"]["name"]),
        "words": lambda: _flat(_file(locale, "text")["words"]),
        "sentences": lambda: _flat(_file(locale, "text")["text"]),
    }
    found = tuple(dict.fromkeys(where[entry]()))  # each value once: capacities are honest
    if not found:
        raise ValueError(f"locale: Mimesis' {locale!r} data has no {entry.replace('_', ' ')}")
    return found


def address_format(locale: str) -> str:
    """How an address is written there: ``{st_num} {st_name} {st_sfx}`` in ``en``."""
    return str(_file(locale, "address")["address_fmt"])
