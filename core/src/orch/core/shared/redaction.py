"""Masking secrets in what tests print, before it reaches any report, issue or the store.

Three kinds of secret are masked with ``***``:

- credentials in URLs: ``postgres://orders:secret@db`` becomes ``postgres://orders:***@db``;
- values next to names that look secret (``TOKEN``, ``SECRET``, ``PASSWORD``/``PASSWD``, ``KEY``,
  in any case): ``API_TOKEN=abc``, ``"password": "x"``, ``?access_token=abc&``, ``api_key: abc``,
  and ``Authorization: Bearer abc`` / ``Basic ...``, ``Bearer abc...`` headers;
- the exact values of the secrets orch knows: its own credentials, the variables a workflow
  passes to its tests whose names look secret (``passenv`` and ``env``), and the secrets of the
  services it provisions (a postgres ``config.password``, a service ``env`` value under a secret
  name: what ``{db.env.POSTGRES_PASSWORD}`` hands a test), when at least ``MIN_VALUE_LENGTH``
  characters long (shorter ones would mask ordinary words).

It is linear in the text: each trigger (a name word, ``://``, a header name, a known value) is
found with ``bytes.find`` (a fast C scan), and only there is a small anchored regex tried; the
masked spans are then merged and the text rebuilt once. A name is recognised from its secret
word on, so an exception name (``KeyError: 'x'``, ``TokenExpiredError: ...``) is left alone.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from fnmatch import fnmatchcase
from operator import itemgetter
from pathlib import Path

from orch.ports import Application, EnvironmentSpec, TestResult
from orch.ports.credentials import credential_values, looks_secret

MASK = "***"
WINDOW = 1 << 20
"""Characters searched for triggers at a time (bounds the memory of a text full of them)."""
MIN_VALUE_LENGTH = 6
"""Known secret values shorter than this are not masked by value (the patterns still apply)."""

_VALUE = r"""(?:(?<=")(?:[^"\\\n]|\\.)++|(?<=')[^'\n]++|(?<!["'])[^\s\x00-\x1f"',;&<>(){}\[\]]++)"""
"""A value after its name: the inside of a double- or single-quoted string (to the end of the
line when the quote is not closed), else a bare word up to a space, control character (the NUL
between the variables of a ``/proc/PID/environ``), quote, ``&`` or bracket."""

_NAME = re.compile(r"(?:token|secret|passw(?:or)?d|key)(?-i:(?![a-z]))[\w.-]*+", re.IGNORECASE)
"""A name from its secret word on (``TOKEN`` in ``API_TOKEN``, ``Key`` in ``apiKey``)."""
_NAME_VALUE = re.compile(
    r"""(?<!error)(?<!exception)(?<!warning)["']?[ \t]*(?P<sep>[:=!]?=|=>|:(?!:))[ \t]*["']?"""
    + f"(?P<value>{_VALUE})",
    re.IGNORECASE,
)
"""What follows a secret name: ``=value``, ``: value``, ``": "value"``. An exception's name
(``KeyError: 'x'``) has none."""
_AUTHORIZATION = re.compile(
    r"""authorization["']?[ \t]*[:=][ \t]*["']?"""
    r"""(?:(?:bearer|basic|token|digest|negotiate|apikey)[ \t]+)?(?P<value>""" + _VALUE + r")",
    re.IGNORECASE,
)
_BEARER = re.compile(r"""(?:Bearer|BEARER)[ \t]+(?P<value>[^\s\x00-\x1f"',;&<>(){}\[\]]{8,})""")
"""A bearer token without its header (``Bearer`` capitalised, the token 8 characters or more,
so prose about a bearer is left alone)."""
_URL = re.compile(r"""://[^\s:/?#@"'<>]*+:(?P<value>[^\s/?#"'<>]*)(?=@)""")
"""``://user:password@``: the value is the password, up to the last ``@`` of the authority."""

_WORDS = (
    (b"://", _URL),
    *((word, _NAME) for word in (b"token", b"secret", b"passw", b"key")),
    (b"authorization", _AUTHORIZATION),
    (b"bearer", _BEARER),
)
"""The lower-case ASCII word each pattern starts with."""


class Redactor:
    """Masks secrets in text (see the module's docstring); ``patterns=False`` masks only the
    known values, for orch's own messages, where a JSON path like ``env.API_TOKEN: ...`` is no
    secret."""

    def __init__(self, values: Iterable[str] = (), patterns: bool = True) -> None:
        self.values = tuple(
            sorted({v for v in values if len(v) >= MIN_VALUE_LENGTH}, key=len, reverse=True)
        )
        self.patterns = patterns

    def learn(self, values: Iterable[str]) -> None:
        """Mask ``values`` too from now on: secrets met during the run (a token one flow step
        returned and hands to the next)."""
        known = {*self.values, *(v for v in values if len(v) >= MIN_VALUE_LENGTH)}
        self.values = tuple(sorted(known, key=len, reverse=True))

    def text(self, text: str) -> str:
        """``text`` with every secret in it replaced by ``***``."""
        if not text:
            return text
        spans: Iterable[tuple[int, int]] = self._value_spans(text)
        if self.patterns:
            spans = heapq.merge(spans, self._pattern_spans(text))
        out = io.StringIO()
        at = 0
        first, end = 0, -1
        for start, stop in spans:  # in order; overlapping spans widen the one being built
            if start > end:
                if end >= 0:
                    out.write(text[at:first])
                    out.write(MASK)
                    at = end
                first = start
            end = max(end, stop)
        if end < 0:
            return text
        out.write(text[at:first])
        out.write(MASK)
        out.write(text[end:])
        return out.getvalue()

    def result(self, result: TestResult) -> TestResult:
        """``result`` with its message, trace and output redacted (its id is kept: it names the
        test to run again)."""
        return result.with_texts(self.text)

    def _value_spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where the known values occur, in order."""
        return heapq.merge(*(_occurrences(text, value) for value in self.values))

    def _pattern_spans(self, text: str) -> Iterator[tuple[int, int]]:
        """The values the patterns find, in order.

        Triggers are found by plain substring search in an ASCII lower-cased copy of the text
        (one byte per character, so positions agree), a window at a time so that memory stays
        bounded, and visited in order; one inside a name or value already matched is skipped
        (a whole window when it is), so no stretch of text is scanned twice.
        """
        view = text.encode("ascii", "replace").lower()
        covered = 0
        for high in range(WINDOW, len(view) + WINDOW, WINDOW):
            if covered >= high:
                continue
            triggers = [
                (at, pattern)
                for word, pattern in _WORDS
                for at in _occurrences_in(view, word, max(covered, high - WINDOW), high)
            ]
            triggers.sort(key=itemgetter(0))
            for at, pattern in triggers:
                if at < covered:
                    continue
                if pattern is _NAME:
                    name = _NAME.match(text, at)
                    if name is None:
                        continue
                    covered = name.end()
                    match = _NAME_VALUE.match(text, name.end())
                    if match is not None and match["sep"] == ":" and "." in name[0]:
                        continue  # a file and its line (test_token.py:12:), not a secret
                else:
                    match = pattern.match(text, at)
                if match is not None and match["value"]:
                    yield match.span("value")
                    covered = max(covered, match.end())


def _occurrences(text: str, value: str) -> Iterator[tuple[int, int]]:
    at = text.find(value)
    while at >= 0:
        yield at, at + len(value)
        at = text.find(value, at + len(value))


def _occurrences_in(view: bytes, word: bytes, low: int, high: int) -> Iterator[int]:
    """Where ``word`` starts in ``view[low:high]`` (it may end past ``high``)."""
    at = view.find(word, low, high + len(word) - 1)
    while at >= 0:
        yield at
        at = view.find(word, at + 1, high + len(word) - 1)


def orch_redactor() -> Redactor:
    """The patterns plus orch's own credentials: for text whose workflow is not known."""
    return Redactor(credential_values())


def credentials_only() -> Redactor:
    """Only the exact values of orch's own credentials: for orch's own messages."""
    return Redactor(credential_values(), patterns=False)


def passed_secrets(
    applications: Iterable[Application], environ: Mapping[str, str] | None = None
) -> list[str]:
    """The values a workflow's applications hand their tests under names that look secret:
    variables of orch's environment their ``passenv`` globs pass through, and their ``env``."""
    environ = os.environ if environ is None else environ
    values = []
    for app in applications:
        values += [value for name, value in app.env.items() if looks_secret(name)]
        values += [
            value
            for name, value in environ.items()
            if looks_secret(name) and any(fnmatchcase(name, glob) for glob in app.passenv)
        ]
    return values


def environment_secrets(environments: Iterable[EnvironmentSpec]) -> list[str]:
    """The secrets of the services ``environments`` declare: each postgres password and each
    ``env`` value under a name that looks secret (a template in one is resolved from these)."""
    values = []
    for environment in environments:
        for service in environment.services:
            if service.config is not None:
                values.append(service.config.password)
            values += [value for name, value in service.env.items() if looks_secret(name)]
    return values


def redactor_for(
    applications: Iterable[Application], environments: Iterable[EnvironmentSpec] = ()
) -> Redactor:
    """What masks the secrets of a run of ``applications``: the patterns, orch's credentials,
    the secrets the applications pass to their tests and those of their ``environments``."""
    return Redactor(
        [
            *credential_values(),
            *passed_secrets(applications),
            *environment_secrets(environments),
        ]
    )


def remove_raw_output(run_dir: Path) -> None:
    """Empty the scratch folder of each shard of a run (its output log, event stream and the
    tests' temporary files hold the unredacted output); the folders stay, naming the shards.

    Best effort: a folder a test made unreadable or unwritable stays as it is; the run's results
    and reports must not be lost over its scratch files.
    """
    with contextlib.suppress(OSError):
        for scratch in run_dir.iterdir():
            with contextlib.suppress(OSError):
                _empty(scratch)


def _empty(scratch: Path) -> None:
    if not scratch.is_dir() or scratch.is_symlink():
        return
    for entry in scratch.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink(missing_ok=True)
