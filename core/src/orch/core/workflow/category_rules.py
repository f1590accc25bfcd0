"""Reading the workflow's category rules: its ``triage.categories`` list (``rules_from_config``)
and an Allure ``categories.json`` (``rules_from_allure``), checked whole before triage sees them:
every problem in one error, one line each, naming its JSON path (and every regex compiled)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from orch.core.shared.documents import (
    Message,
    describe,
    join_path,
    load_document,
    located,
    problem_lines,
)
from orch.core.shared.patterns import compile_problem
from orch.core.shared.spelling import unknown
from orch.ports import ConfigError, Outcome
from orch.ports.triage import DEFECT_TYPES, FLAKY, TO_INVESTIGATE, CategoryRule

_OUTCOMES = tuple(outcome.value for outcome in Outcome)
_RULE_KEYS = (
    "name",
    "patterns",
    "message",
    "trace",
    "logs",
    "exception_type",
    "path",
    "outcomes",
    "defect_type",
    "hint",
)
_REGEX_KEYS = ("message", "trace", "logs", "exception_type")


def rules_from_config(data: list[dict[str, Any]], where: str) -> list[CategoryRule]:
    """The rules of a workflow's ``triage.categories`` list; ``where`` prefixes every error
    (``orch.yaml: $.triage.categories``). Raises ``ConfigError`` with one line per problem."""
    if not isinstance(data, list):
        raise ConfigError(f"{where}: expected a list of {{name, patterns}} rules")
    problems: list[tuple[str, Message]] = []
    rules = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        at = f"{where}[{index}]"
        found = _rule_problems(raw, at)
        if not found and raw["name"] in seen:
            found = [(f"{at}.name", f"duplicate category '{raw['name']}'")]
        problems.extend(found)
        if not found:
            seen.add(raw["name"])
            rules.append(_rule(raw, at))
    if problems:
        file = where.split(":", 1)[0]
        raise ConfigError(problem_lines(file, (located(at, what) for at, what in problems)))
    return rules


def _rule(raw: dict[str, Any], source: str) -> CategoryRule:
    return CategoryRule(**raw, source=source)  # a lone string is one pattern: its converter


def _rule_problems(raw: Any, at: str) -> list[tuple[str, Message]]:
    if not isinstance(raw, dict):
        expected = "expected a mapping like {name: ..., patterns: [...]}"
        return [(at, f"{expected}, got {describe(raw)}")]
    problems: list[tuple[str, Message]] = []
    for key in raw:
        if key not in _RULE_KEYS:
            problems.append(
                (join_path(at, key), partial(unknown, "key", key, _RULE_KEYS, "valid", named=False))
            )
    if not isinstance(raw.get("name"), str) or not raw.get("name"):
        problems.append((f"{at}.name", "required: the category's name, a non-empty string"))
    for key in ("path", "hint", *_REGEX_KEYS):
        if key in raw and not isinstance(raw[key], str):
            problems.append((f"{at}.{key}", f"expected a string, got {describe(raw[key])}"))
        elif key in _REGEX_KEYS and raw.get(key):
            problems.extend(_regex_problems(raw[key], f"{at}.{key}"))
    patterns = raw.get("patterns", [])
    patterns = [patterns] if isinstance(patterns, str) else patterns
    if not isinstance(patterns, list):
        problems.append((f"{at}.patterns", f"expected a list of regexes, got {describe(patterns)}"))
    else:
        for index, pattern in enumerate(patterns):
            problems.extend(_regex_problems(pattern, f"{at}.patterns[{index}]"))
    outcomes = raw.get("outcomes", [])
    outcomes = [outcomes] if isinstance(outcomes, str) else outcomes
    if not isinstance(outcomes, list):
        problems.append(
            (f"{at}.outcomes", f"expected a list of outcomes, got {describe(outcomes)}")
        )
    else:
        for index, outcome in enumerate(outcomes):
            if outcome not in _OUTCOMES:
                unknown_outcome = partial(_unknown, "outcome", outcome, _OUTCOMES)
                problems.append((f"{at}.outcomes[{index}]", unknown_outcome))
    defect = raw.get("defect_type", TO_INVESTIGATE)
    if defect not in DEFECT_TYPES:
        unknown_defect = partial(_unknown, "defect type", defect, DEFECT_TYPES)
        problems.append((f"{at}.defect_type", unknown_defect))
    return problems


def _unknown(what: str, given: Any, choices: Sequence[str]) -> str:
    """``unknown(...)`` for any value a file may hold: a non-string, or a long one, is described
    rather than quoted whole."""
    if isinstance(given, str) and len(given) <= 60:
        return unknown(what, given, choices, "valid")
    return f"unknown {what} {describe(given)} (valid: {', '.join(choices)})"


def _regex_problems(pattern: Any, at: str) -> list[tuple[str, str]]:
    if not isinstance(pattern, str):
        return [(at, f"expected a regular expression string, got {describe(pattern)}")]
    problem = compile_problem(pattern)
    return [(at, problem)] if problem else []


_ALLURE_STATUSES = {
    "failed": ("failed",),
    "broken": ("error", "timeout"),
    "passed": ("passed", "xpassed"),
    "skipped": ("skipped", "xfailed", "blocked"),
    "unknown": ("blocked",),
}
"""Allure's statuses in orch's outcomes (broken: an error other than an assertion)."""

_ALLURE_KEYS = ("name", "description", "messageRegex", "traceRegex", "matchedStatuses", "flaky")


def rules_from_allure(path: Path) -> list[CategoryRule]:
    """The rules of an Allure ``categories.json``, with Allure's meaning: a regex must match
    the whole message or trace (across lines); ``flaky: true`` means only tests passed on retry."""
    name = Path(path).name
    data = load_document(Path(path), name, "Allure categories file", as_json=True)
    if not isinstance(data, list):
        raise ConfigError(f"{name}: $: expected a list of categories, got {describe(data)}")
    problems: list[tuple[str, Message]] = []
    rules = []
    for index, raw in enumerate(data):
        at = f"$[{index}]"
        found = _allure_problems(raw, at)
        problems.extend(found)
        if not found:
            rules.append(_allure_rule(raw, f"{name}: {at}"))
    if problems:
        raise ConfigError(
            problem_lines(name, (located(f"{name}: {at}", what) for at, what in problems))
        )
    return rules


def _allure_problems(raw: Any, at: str) -> list[tuple[str, Message]]:
    if not isinstance(raw, dict):
        return [(at, f"expected a category object, got {describe(raw)}")]
    problems: list[tuple[str, Message]] = []
    for key in raw:
        if key not in _ALLURE_KEYS:
            problems.append(
                (
                    join_path(at, key),
                    partial(unknown, "key", key, _ALLURE_KEYS, "valid", named=False),
                )
            )
    if not isinstance(raw.get("name"), str) or not raw.get("name"):
        problems.append((f"{at}.name", "required: the category's name, a non-empty string"))
    for key in ("messageRegex", "traceRegex"):
        if key in raw:
            problems.extend(_regex_problems(raw[key], f"{at}.{key}"))
    statuses = raw.get("matchedStatuses", [])
    if not isinstance(statuses, list):
        problems.append((f"{at}.matchedStatuses", f"expected a list, got {describe(statuses)}"))
    else:
        for index, status in enumerate(statuses):
            if not isinstance(status, str) or status not in _ALLURE_STATUSES:
                problems.append(
                    (
                        f"{at}.matchedStatuses[{index}]",
                        partial(_unknown, "status", status, tuple(_ALLURE_STATUSES)),
                    )
                )
    if "flaky" in raw and not isinstance(raw["flaky"], bool):
        problems.append((f"{at}.flaky", f"expected true or false, got {describe(raw['flaky'])}"))
    return problems


def _allure_rule(raw: dict[str, Any], source: str) -> CategoryRule:
    def whole(key: str) -> str:
        return rf"\A(?s:{raw[key]})\Z" if raw.get(key) else ""

    if raw.get("flaky"):
        outcomes: tuple[str, ...] = ("flaky",)
    else:
        outcomes = tuple(o for s in raw.get("matchedStatuses", []) for o in _ALLURE_STATUSES[s])
    return CategoryRule(
        name=raw["name"],
        message=whole("messageRegex"),
        trace=whole("traceRegex"),
        outcomes=outcomes,
        defect_type=FLAKY if raw.get("flaky") else TO_INVESTIGATE,
        hint=raw.get("description", "") if isinstance(raw.get("description"), str) else "",
        source=source,
        allure=True,
    )
