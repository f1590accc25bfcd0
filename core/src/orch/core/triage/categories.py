"""Sorting failures into categories: the user's rules first, then orch's knowledge of causes.

Rules come from the workflow's ``triage.categories`` (``rules_from_config``) or from an Allure
``categories.json`` (``rules_from_allure``); ``categorise`` gives every failure a category, a
defect type, the reason in words and a confidence. Texts are searched bounded to their first and
last 64 KB, with precompiled patterns, so that triage keeps up with large runs.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from functools import cache, partial
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from orch.core.plugins import unknown
from orch.core.shared.documents import (
    Message,
    describe,
    join_path,
    load_document,
    located,
    problem_lines,
)
from orch.core.shared.patterns import UserPattern, compile_problem
from orch.core.triage.knowledge import (
    DEFECT_TYPES,
    FLAKY,
    FLAKY_HINT,
    KNOWLEDGE,
    TIMEOUT_HINT,
    TO_INVESTIGATE,
)
from orch.ports import ConfigError, Failure, Outcome

BOUND = 64 * 1024
"""How much of the start and of the end of a long text is searched."""

UNMATCHED_REASON = "no rule or known cause matched"
TEXTS = ("message", "trace", "logs")
_OUTCOMES = tuple(outcome.value for outcome in Outcome)


def _strings(values: Sequence[str] | str) -> tuple[str, ...]:
    """A lone string is one value, never its characters."""
    return (values,) if isinstance(values, str) else tuple(values)


def _glob(pattern: str) -> re.Pattern[str] | None:
    return re.compile(fnmatch.translate(pattern)) if pattern else None


@frozen
class CategoryRule:
    """A user's category: a failure is in it when every condition given holds.

    ``patterns`` are searched in message, trace and logs (any one suffices); ``message``,
    ``trace``, ``logs`` and ``exception_type`` are searched in that text only; ``path`` is a glob
    on the test id, nodeid or file; ``outcomes`` limits the outcomes. Regexes are user patterns
    (``orch.core.shared.patterns``): searched under a time budget, skipped once one blows it; an
    invalid one raises ``ValueError`` when the rule is made (``rules_from_config`` reports them as
    config errors). ``source`` says where the rule is configured, for that report.
    """

    name: str
    patterns: tuple[str, ...] = field(default=(), converter=_strings)
    message: str = ""
    trace: str = ""
    logs: str = ""
    exception_type: str = ""
    path: str = ""
    outcomes: tuple[str, ...] = field(default=(), converter=_strings)
    defect_type: str = TO_INVESTIGATE
    hint: str = ""
    source: str = field(default="", eq=False)
    allure: bool = field(default=False, eq=False, repr=False)
    _compiled: tuple[UserPattern, ...] = field(init=False, eq=False, repr=False)
    _only: dict[str, UserPattern] = field(init=False, eq=False, repr=False)
    _path: re.Pattern[str] | None = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        source = self.source or f"category {describe(self.name)}"
        only = {
            key: UserPattern(getattr(self, key), f"{source}.{self._key_name(key)}")
            for key in ("exception_type", *TEXTS)
            if getattr(self, key)
        }
        compiled = tuple(
            UserPattern(p, f"{source}.patterns[{i}]") for i, p in enumerate(self.patterns)
        )
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(self, "_only", only)
        object.__setattr__(self, "_path", _glob(self.path))

    def _key_name(self, key: str) -> str:
        """The key a condition has in its file (``messageRegex`` in an Allure file)."""
        return f"{key}Regex" if self.allure else key

    def match(self, failure: Failure, texts: dict[str, str]) -> str | None:
        """The reason this rule holds for ``failure`` (``texts`` bounded), or None."""
        result = failure.result
        if self.outcomes and result.outcome.value not in self.outcomes:
            return None
        if self._path is not None and not any(
            self._path.match(name) for name in (result.id, result.nodeid, result.file) if name
        ):
            return None
        found = ""
        for key, pattern in self._only.items():
            hit = pattern.search(texts[key])
            if hit is None:
                return None
            found = found or f"{_quote(hit.group())} in the {_words(key)}"
        if self._compiled:
            found = _first_hit(self._compiled, texts) or ""
            if not found:
                return None
        if not found:
            conditions = [f"outcome {result.outcome.value}"] if self.outcomes else []
            conditions += [f"path {self.path!r}"] if self.path else []
            return f"rule '{self.name}' matched by {' and '.join(conditions) or 'default'}"
        return f"rule '{self.name}' matched {found}"


def _first_hit(patterns: Sequence[UserPattern], texts: dict[str, str]) -> str | None:
    for key in TEXTS:
        for pattern in patterns:
            hit = pattern.search(texts[key])
            if hit is not None:
                return f"{_quote(hit.group())} in the {_words(key)}"
    return None


def _words(key: str) -> str:
    return "exception type" if key == "exception_type" else key


def _quote(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")


# --- reading rules --------------------------------------------------------------------------

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
    return CategoryRule(**raw, source=source)  # a lone string is one pattern: see _strings


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


# --- the knowledge base, compiled -----------------------------------------------------------

_CONFIDENCE = {"exception_type": 0.9, "message": 0.8, "trace": 0.7, "logs": 0.5}
"""How much a knowledge-base match says, by where it was found."""


@frozen
class _Compiled:
    """A known cause ready to search: anchors, then patterns on the text and on it lowercased."""

    index: int
    anchors: frozenset[str]
    names: tuple[re.Pattern[str], ...]
    exact: tuple[re.Pattern[str], ...]
    lowered: tuple[re.Pattern[str], ...]


_ANCHORS = tuple(sorted({anchor for cause in KNOWLEDGE for anchor in cause.anchors}))
"""Every anchor word once: each text is checked for each of them once, not once per cause."""


@cache
def _knowledge(outcome: str) -> tuple[_Compiled, ...]:
    """The known causes that apply to ``outcome``, compiled once."""
    return tuple(
        _Compiled(
            index,
            frozenset(cause.anchors),
            tuple(re.compile(rf"{name}\b") for name in cause.exceptions),
            tuple(re.compile(rf"{name}\b") for name in cause.exceptions)
            + tuple(re.compile(phrase) for phrase in cause.phrases),
            tuple(re.compile(phrase) for phrase in cause.any_case),
        )
        for index, cause in enumerate(KNOWLEDGE)
        if not cause.outcomes or outcome in cause.outcomes
    )


def _known_cause(outcome: str, kind: str, text: str) -> tuple[int, str] | None:
    """The cause whose evidence comes first in ``text`` (the earlier cause on a tie)."""
    lowered = text.lower()
    present = {anchor for anchor in _ANCHORS if anchor in lowered}
    best: tuple[int, int, str] | None = None
    for cause in _knowledge(outcome):
        if cause.anchors.isdisjoint(present):
            continue
        searches = [(p, text) for p in (cause.names if kind == "exception_type" else cause.exact)]
        if kind != "exception_type":
            searches += [(p, lowered) for p in cause.lowered]
        for pattern, haystack in searches:
            hit = pattern.search(haystack)
            if hit is not None and (best is None or hit.start() < best[0]):
                same = haystack is lowered and len(lowered) == len(text)
                found = text[hit.start() : hit.end()] if same else hit.group()
                best = (hit.start(), cause.index, found)
    return None if best is None else (best[1], best[2])


def bounded(text: str) -> str:
    """``text``, or its first and last 64 KB joined when it is longer (logs can be megabytes)."""
    if len(text) <= 2 * BOUND:
        return text
    return f"{text[:BOUND]}\n...\n{text[-BOUND:]}"


def failure_texts(failure: Failure) -> dict[str, str]:
    """The bounded texts rules search: exception type, message, trace (the longrepr) and logs
    (the failure's logs, then the test's stderr and stdout)."""
    result = failure.result
    sources = (failure.logs,) if failure.logs else (result.stderr, result.stdout)
    logs = [bounded(t) for t in sources if t]
    return {
        "exception_type": failure.exception_type,
        "message": bounded(result.message),
        "trace": bounded(result.longrepr),
        "logs": "\n".join(logs),
    }


def categorise(failure: Failure, rules: Sequence[CategoryRule]) -> Failure:
    """``failure`` with its category, defect type, reason and confidence: the first user rule
    that matches (confidence 1), else the strongest known cause, else ``to_investigate``."""
    texts = failure_texts(failure)
    for rule in rules:
        reason = rule.match(failure, texts)
        if reason is not None:
            return _evolve(failure, rule.name, rule.defect_type, reason, 1.0, rule.hint)
    outcome = failure.result.outcome
    if outcome is Outcome.FLAKY:
        reason = "outcome 'flaky': the test passed on retry"
        return _evolve(failure, "flaky", FLAKY, reason, 1.0, FLAKY_HINT)
    if outcome is Outcome.TIMEOUT:
        reason = "outcome 'timeout': the test ran past its time limit"
        return _evolve(failure, "timeout", "environment_issue", reason, 0.95, TIMEOUT_HINT)
    for kind in ("exception_type", *TEXTS):
        found = _known_cause(outcome.value, kind, texts[kind]) if texts[kind] else None
        if found is not None:
            cause = KNOWLEDGE[found[0]]
            reason = f"known cause '{cause.name}' matched {_quote(found[1])} in the {_words(kind)}"
            return _evolve(
                failure, cause.name, cause.defect_type, reason, _CONFIDENCE[kind], cause.hint
            )
    return _evolve(failure, TO_INVESTIGATE, TO_INVESTIGATE, UNMATCHED_REASON, 0.0, "")


def _evolve(
    failure: Failure, category: str, defect: str, reason: str, confidence: float, hint: str
) -> Failure:
    return attrs.evolve(
        failure,
        category=category,
        defect_type=defect,
        category_reason=reason,
        confidence=confidence,
        suggestion=failure.suggestion or hint,
    )
