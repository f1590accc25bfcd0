"""Sorting failures into categories: the user's rules first, then the evidence in each failure,
with orch's knowledge of causes as one signal among it.

The rules are the workflow's (``orch.ports.triage.CategoryRule``, read by
``orch.core.workflow.category_rules``); ``categorise`` gives every failure a category, a defect
type, the reason in words and a confidence. Texts are searched bounded to their first and last
64 KB, with precompiled patterns, so that triage keeps up with large runs.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from functools import cache, lru_cache

import attrs
from attrs import frozen

from orch.core.shared.documents import describe
from orch.core.shared.patterns import UserPattern
from orch.core.triage.causes import root_cause
from orch.core.triage.evidence import Evidence, evidence_of, said_lines
from orch.core.triage.knowledge import FLAKY_HINT, KNOWLEDGE, TIMEOUT_HINT
from orch.core.triage.verdicts import MACHINE_CAUSES, Known, Verdict, judge
from orch.ports import Failure, Outcome
from orch.ports.triage import ENVIRONMENT_ISSUE, FLAKY, TO_INVESTIGATE, CategoryRule

BOUND = 64 * 1024
"""How much of the start and of the end of a long text is searched."""

UNMATCHED_REASON = "no rule or known cause matched"
TEXTS = ("message", "trace", "logs")


def _glob(pattern: str) -> re.Pattern[str] | None:
    return re.compile(fnmatch.translate(pattern)) if pattern else None


class _Matcher:
    """A ``CategoryRule`` compiled: its user patterns (each keeps whether it blew its time
    budget, so a rule is compiled once per process, not once per failure) and its path glob."""

    def __init__(self, rule: CategoryRule) -> None:
        source = rule.source or f"category {describe(rule.name)}"
        self.rule = rule
        self.only = {
            key: UserPattern(getattr(rule, key), f"{source}.{_key_name(rule, key)}")
            for key in ("exception_type", *TEXTS)
            if getattr(rule, key)
        }
        self.patterns = tuple(
            UserPattern(p, f"{source}.patterns[{i}]") for i, p in enumerate(rule.patterns)
        )
        self.path = _glob(rule.path)

    def match(self, failure: Failure, texts: dict[str, str]) -> str | None:
        """The reason the rule holds for ``failure`` (``texts`` bounded), or None."""
        rule, result = self.rule, failure.result
        if rule.outcomes and result.outcome.value not in rule.outcomes:
            return None
        if self.path is not None and not any(
            self.path.match(name) for name in (result.id, result.nodeid, result.file) if name
        ):
            return None
        found = ""
        for key, pattern in self.only.items():
            hit = pattern.search(texts[key])
            if hit is None:
                return None
            found = found or f"{_quote(hit.group())} in the {_words(key)}"
        if self.patterns:
            found = _first_hit(self.patterns, texts) or ""
            if not found:
                return None
        if not found:
            conditions = [f"outcome {result.outcome.value}"] if rule.outcomes else []
            conditions += [f"path {rule.path!r}"] if rule.path else []
            return f"rule '{rule.name}' matched by {' and '.join(conditions) or 'default'}"
        return f"rule '{rule.name}' matched {found}"


@lru_cache(maxsize=4096)
def matcher(rule: CategoryRule) -> _Matcher:
    """``rule`` compiled, once; an invalid regex raises ``ValueError`` (the workflow loader
    reports it as a config error before any failure is categorised)."""
    return _Matcher(rule)


def _key_name(rule: CategoryRule, key: str) -> str:
    """The key a condition has in its file (``messageRegex`` in an Allure file)."""
    return f"{key}Regex" if rule.allure else key


def _first_hit(patterns: Sequence[UserPattern], texts: dict[str, str]) -> str | None:
    for key in TEXTS:
        for pattern in patterns:
            hit = pattern.search(texts[key])
            if hit is not None:
                return f"{_quote(hit.group())} in the {_words(key)}"
    return None


def _words(key: str) -> str:
    return "exception type" if key == "exception_type" else key


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 60 else text[:57] + "..."


def _quote(text: str) -> str:
    return repr(_short(text))


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


@cache
def _knowledge(
    outcome: str, names: frozenset[str] | None
) -> tuple[tuple[str, ...], tuple[_Compiled, ...]]:
    """The known causes that apply to ``outcome`` (those named ``names``, or all), compiled
    once, with every anchor word of theirs once: a text is checked for each anchor once."""
    chosen = [
        (index, cause)
        for index, cause in enumerate(KNOWLEDGE)
        if (not cause.outcomes or outcome in cause.outcomes)
        and (names is None or cause.name in names)
    ]
    compiled = tuple(
        _Compiled(
            index,
            frozenset(cause.anchors),
            tuple(re.compile(rf"{name}\b") for name in cause.exceptions),
            tuple(re.compile(rf"{name}\b") for name in cause.exceptions)
            + tuple(re.compile(phrase) for phrase in cause.phrases),
            tuple(re.compile(phrase) for phrase in cause.any_case),
        )
        for index, cause in chosen
    )
    anchors = tuple(sorted({anchor for _, cause in chosen for anchor in cause.anchors}))
    return anchors, compiled


def _known_cause(
    outcome: str, kind: str, text: str, names: frozenset[str] | None
) -> tuple[int, str] | None:
    """The cause whose evidence comes first in ``text`` (the earlier cause on a tie)."""
    lowered = text.lower()
    anchors, causes = _knowledge(outcome, names)
    present = {anchor for anchor in anchors if anchor in lowered}
    if not present:
        return None
    best: tuple[int, int, str] | None = None
    for cause in causes:
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
    (the failure's logs, then the test's stderr and stdout); and what the trace says without
    the code it shows (``evidence.said_lines``), which the evidence and the knowledge base read."""
    result = failure.result
    sources = (failure.logs,) if failure.logs else (result.stderr, result.stdout)
    logs = [bounded(t) for t in sources if t]
    trace = bounded(result.longrepr)
    return {
        "exception_type": failure.exception_type,
        "message": bounded(result.message),
        "trace": trace,
        "said": said_lines(trace),
        "logs": "\n".join(logs),
    }


def categorise(failure: Failure, rules: Sequence[CategoryRule], repeated: bool = False) -> Failure:
    """``failure`` with its category, defect type, reason, confidence and root cause.

    The first user rule that matches decides (confidence 1); then the outcome (flaky: passed on
    retry, or ``repeated``: it passed in another run of the same tests given together;
    timeout); then the evidence in the failure (``verdicts.judge``), with the knowledge base as
    one signal among it; the knowledge base alone when the evidence decides nothing; else
    ``to_investigate``. The root cause (``causes.root_cause``) is set whatever decided.
    """
    texts = failure_texts(failure)
    evidence = evidence_of(failure, texts)
    verdict = _verdict(failure, rules, repeated, texts, evidence)
    return attrs.evolve(
        failure,
        cause=root_cause(failure, evidence),
        category=verdict.category,
        defect_type=verdict.defect_type,
        category_reason=verdict.reason,
        confidence=verdict.confidence,
        suggestion=failure.suggestion or verdict.hint,
    )


def _verdict(
    failure: Failure,
    rules: Sequence[CategoryRule],
    repeated: bool,
    texts: dict[str, str],
    evidence: Evidence,
) -> Verdict:
    for rule in rules:
        reason = matcher(rule).match(failure, texts)
        if reason is not None:
            return Verdict(rule.name, rule.defect_type, reason, 1.0, rule.hint)
    outcome = failure.result.outcome
    if outcome is Outcome.FLAKY:
        return Verdict("flaky", FLAKY, "outcome 'flaky': the test passed on retry", 1.0, FLAKY_HINT)
    if repeated:
        reason = "evidence: the same test passed in another run of these results"
        return Verdict("flaky", FLAKY, reason, 0.9, FLAKY_HINT)
    if outcome is Outcome.TIMEOUT:
        reason = "outcome 'timeout': the test ran past its time limit"
        return Verdict("timeout", ENVIRONMENT_ISSUE, reason, 0.95, TIMEOUT_HINT)
    machine = _strongest(outcome.value, texts, _OWN_TEXTS, MACHINE_CAUSES)
    verdict = judge(failure, evidence, machine)
    for kinds in (_OWN_TEXTS, ("logs",)):
        if verdict is None:
            known = _strongest(outcome.value, texts, kinds)
            verdict = known.verdict() if known else None
    return verdict or Verdict(TO_INVESTIGATE, TO_INVESTIGATE, UNMATCHED_REASON, 0.0)


_OWN_TEXTS = ("exception_type", "message", "trace")
"""The texts the failure itself says, the logs being what the test printed besides."""


def _strongest(
    outcome: str,
    texts: dict[str, str],
    kinds: Sequence[str],
    names: frozenset[str] | None = None,
) -> Known | None:
    """The known cause (of those named ``names``, or any) found first in the first of
    ``kinds`` that has one."""
    for kind in kinds:
        text = texts["said" if kind == "trace" else kind]
        if kind == "message" and "trace" in kinds and text and text in texts["said"]:
            continue  # pytest's message is one of its trace's lines: read it once, there
        found = _known_cause(outcome, kind, text, names) if text else None
        if found is not None:
            return Known(KNOWLEDGE[found[0]], _words(kind), _short(found[1]), _CONFIDENCE[kind])
    return None
