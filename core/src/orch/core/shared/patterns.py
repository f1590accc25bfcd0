"""Users' regular expressions, made safe to compile and to run against untrusted test output.

A pattern that does not compile is a config problem, whatever the engine raises (``re.error``,
``OverflowError`` for ``a{4294967296}``, ``RecursionError`` for thousands of nested groups).
A pattern searched in test output runs on the ``regex`` engine (the ``re`` syntax, plus a
``timeout`` per match): a search that takes longer than ``MATCH_BUDGET`` is given up, the
pattern is reported once, one line naming it and where it is configured, and skipped for the
rest of the run, so that one catastrophic pattern (``(a|aa)+$``) cannot hang triage.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import regex

from orch.core.shared.documents import describe

MATCH_BUDGET = 0.1
"""Seconds one search of one text by one user pattern may take."""
MAX_PATTERN = 10_000
"""Characters in one user pattern."""

MAX_EXPANSION = 100_000
"""How large repeats may make a user pattern: ``(?:a{50}){50}`` counts 2,500. The ``regex``
engine unrolls nested repeats when it compiles, and ``(?:(?:(?:a{50}){50}){50}){50}`` took it
8 s; this bounds compiling as the budget bounds matching."""

_COUNT = re.compile(r"\{(\d{0,9})(?:(,)(\d{0,9}))?\}")
"""A repeat count ``{n}``, ``{m,n}``, ``{m,}``; more than nine digits is too many anyway."""

log = logging.getLogger("orch.patterns")
"""Where a pattern that blew its budget is reported (stderr when nothing else is set up)."""


@lru_cache(maxsize=4096)
def compile_problem(pattern: str, engine: str = "regex") -> str:
    """Why ``pattern`` cannot be used as a regular expression of ``engine`` (``regex`` for
    patterns searched in test output, ``re`` for mapping rules), or ``""`` when it can."""
    if len(pattern) > MAX_PATTERN:
        return f"a pattern has at most {MAX_PATTERN:,} characters, this one {len(pattern):,}"
    if engine == "regex" and _expansion(pattern) > MAX_EXPANSION:
        return (
            f"its repeats multiply to more than {MAX_EXPANSION:,} (nested counts such as "
            "(?:a{50}){50}); use + or * for long runs"
        )
    try:
        (regex if engine == "regex" else re).compile(pattern)
    except RecursionError:
        return "not a valid regular expression: nested too deeply"
    except OverflowError:
        return "not a valid regular expression: a repeat count is too large"
    except Exception as exc:  # every engine error is the user's pattern, never orch's
        return f"not a valid regular expression: {describe(str(exc), 120)[1:-1]}"
    return ""


def _expansion(pattern: str) -> int:
    """An upper estimate of the pattern's size once its repeat counts are unrolled: every
    character, class or group counts the product of the counts around it. One pass, no engine."""
    totals = [0]  # the size of each open group so far, outermost first
    last = 0  # the size of what a repeat count would apply to
    index = 0
    while index < len(pattern) and max(totals[-1], last) <= MAX_EXPANSION:
        char = pattern[index]
        if char == "(":
            totals.append(0)
            last, index = 0, index + 1
            continue
        if char == ")" and len(totals) > 1:
            last = totals.pop()
            totals[-1] += last
            index += 1
            continue
        if char == "{" and (count := _COUNT.match(pattern, index)) and count.group(1):
            low, comma, high = count.groups()
            times = max(int(low), int(high) if comma and high else int(low), 1)
            totals[-1] += last * (times - 1)
            last, index = last * times, count.end()
            continue
        if char in "*+?|":
            last = 0 if char == "|" else last
            index += 1
            continue
        if char == "[":
            index = _end_of_class(pattern, index)
        else:
            index += 2 if char == "\\" else 1
        totals[-1] += 1
        last = 1
    return max(sum(totals), last)


def _end_of_class(pattern: str, start: int) -> int:
    """The index after the ``]`` closing the character class that opens at ``start``."""
    index = start + 1
    if pattern.startswith("^", index):
        index += 1
    if pattern.startswith("]", index):
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


class UserPattern:
    """A user's pattern searched under a time budget; ``where`` says where it is configured
    (``orch.yaml: $.triage.categories[0].patterns[1]``) for the one line that reports it."""

    __slots__ = ("pattern", "where", "_compiled", "_skipped")

    def __init__(self, pattern: str, where: str = "") -> None:
        problem = compile_problem(pattern)
        if problem:
            raise ValueError(f"{where or 'pattern'}: {problem}")
        self.pattern = pattern
        self.where = where
        self._compiled: Any = regex.compile(pattern)
        self._skipped = False

    @property
    def skipped(self) -> bool:
        """True once the pattern blew its budget: it matches nothing for the rest of the run."""
        return self._skipped

    def search(self, text: str) -> Any:
        """The first match in ``text`` (a ``regex`` match object), or None; None as well when
        the search took longer than ``MATCH_BUDGET`` (reported once) or the pattern is skipped."""
        if self._skipped:
            return None
        try:
            return self._compiled.search(text, timeout=MATCH_BUDGET)
        except TimeoutError:
            self._skipped = True
            log.warning(
                "orch: warning: %s: pattern %s took over %s s on one text; skipped for the rest "
                "of the run (avoid nested repeats such as (a+)+)",
                self.where or "a user pattern",
                describe(self.pattern),
                MATCH_BUDGET,
            )
            return None

    def __repr__(self) -> str:
        return f"UserPattern({describe(self.pattern)})"
