"""The message for a misspelled name, shared by everything that reads what users typed: the
workflow file, the category rules, the plugin registry."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from orch.core.shared.documents import within


def unknown(
    what: str,
    given: object,
    choices: Sequence[str],
    listed: str = "available",
    named: bool = True,
) -> str:
    """The message for a misspelled name, closest match first, then what exists:
    ``unknown runner 'pytst'; did you mean 'pytest'? (available: command, pytest)``;
    ``named=False`` leaves the name out (a key, already shown in its JSON path)."""
    shown = (f" '{given}'" if isinstance(given, str) else f" {given!r}") if named else ""
    return (
        f"unknown {what}{shown}{suggestion(str(given), choices)} ({listed}: {', '.join(choices)})"
    )


def suggestion(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def unknown_keys(given: Mapping, valid: Iterable[str], where: str) -> list[str]:
    """One line per key of ``given`` that is not one of ``valid``, with "did you mean"."""
    valid = list(valid)
    return [
        f"{within(where, str(key))}: {unknown('key', key, valid, 'valid', named=False)}"
        for key in given
        if key not in valid
    ]
