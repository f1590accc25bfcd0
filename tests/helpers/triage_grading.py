"""Grading triage on the generated ground truth (``truth_labels``), for the quality benchmark
(tests/bench/triage_quality.py) and the quality floor test (tests/unit/test_triage_quality.py).

Each scenario's result files are read by orch's own JUnit parser, as ``orch triage FILES``
reads them, under an application named ``project/scenario`` (so the two runs of a flaky
scenario meet, and no other scenario's passing run of the same test does); all scenarios are
triaged in one call, so clusters have to keep the root causes of every project apart. The same
failures are graded for a baseline a user would write in an afternoon: four regexes over the
exception type and message, clusters by exception type and normalised message.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from truth_labels import DATA, Label, read_labels

from orch.adapters.junit.junitxml import JUnitXmlParser
from orch.adapters.junit.node_printed import given_back
from orch.core.triage.analysis import TRIAGED, triage
from orch.core.triage.clustering import normalise
from orch.core.triage.traces import failure_from
from orch.ports import TestResult, TriageSettings


@dataclass(frozen=True)
class Graded:
    """One labelled failure and what a triage said of it."""

    label: Label
    defect_type: str
    cluster: str


def _scenario_results(labels: Sequence[Label]) -> list[TestResult]:
    """Every result in the labels' scenarios' files, each under the app ``project/scenario``,
    with what the run printed (``run1.log.gz`` beside ``run1.xml``, when it was kept) given back
    as orch's command runner gives it back."""
    parser = JUnitXmlParser()
    results = []
    for project, scenario, files in sorted({(x.project, x.scenario, x.files) for x in labels}):
        for name in files:
            parsed = parser.parse(DATA / name, f"{project}/{scenario}")
            log = (DATA / name).with_suffix(".log.gz")
            if log.exists():
                parsed = given_back(parsed, gzip.decompress(log.read_bytes()).decode("utf-8"))
            results += parsed
    return results


def _labelled(labels: Sequence[Label]) -> dict[tuple[str, str], Label]:
    return {(f"{x.project}/{x.scenario}", x.nodeid): x for x in labels}


def _grade_orch(labels: Sequence[Label], results: Sequence[TestResult]) -> list[Graded]:
    """orch's triage of ``results``, matched to ``labels`` (each label once)."""
    report = triage(results, TriageSettings())
    return _matched(labels, ((f.result, f.defect_type, f.cluster) for f in report.failures))


BASELINE = (
    (
        "environment_issue",
        re.compile(
            r"Connection|refused|Timeout|timed out|resolve|getaddrinfo|Permission|denied|space"
            r"|Read-only|ModuleNotFound|No module|Cannot find|ENOENT|EACCES|ECONN|SIG[A-Z]+|killed",
            re.IGNORECASE,
        ),
    ),
    (
        "automation_bug",
        re.compile(r"fixture|setup|before|NameError|AttributeError|TypeError|not a function"),
    ),
    ("product_bug", re.compile(r"Assert|assert|expected|Expected|!==|==")),
    ("flaky", re.compile(r"flaky|intermittent|race", re.IGNORECASE)),
)
"""The baseline's four regexes, first match wins: over the exception type and the message."""


def _grade_baseline(labels: Sequence[Label], results: Sequence[TestResult]) -> list[Graded]:
    """The four-regex baseline on the same failures."""

    def said(result: TestResult) -> tuple[str, str]:
        failure = failure_from(result)
        text = f"{failure.exception_type}\n{result.message}"
        category = next((name for name, rx in BASELINE if rx.search(text)), "to_investigate")
        return category, f"{failure.exception_type}|{normalise(result.message)}"

    failing = [r for r in results if r.outcome in TRIAGED]
    return _matched(labels, ((r, *said(r)) for r in failing))


def _matched(labels: Sequence[Label], said: Iterable[tuple[TestResult, str, str]]) -> list[Graded]:
    by_key = _labelled(labels)
    graded: dict[tuple[str, str], Graded] = {}
    for result, defect_type, cluster in said:
        key = (result.app, result.nodeid)
        label = by_key.get(key)
        if label is None:
            raise AssertionError(f"{result.app}: failing test {result.nodeid!r} has no label")
        graded.setdefault(key, Graded(label, defect_type, cluster))
    missing = set(by_key) - set(graded)
    if missing:
        raise AssertionError(f"labelled failures triage did not report: {sorted(missing)[:5]}")
    return list(graded.values())


@dataclass
class Figures:
    """Accuracy, ``to_investigate`` share and pairwise cluster F1 of some graded failures."""

    failures: int
    accuracy: float
    to_investigate: float
    precision: float
    recall: float
    f1: float
    clusters: int
    root_causes: int


def figures(graded: Sequence[Graded]) -> Figures:
    """The figures of ``graded``."""
    right = [g.defect_type == g.label.defect_type for g in graded]
    precision, recall = _pairwise(graded)
    return Figures(
        failures=len(graded),
        accuracy=sum(right) / len(graded),
        to_investigate=sum(g.defect_type == "to_investigate" for g in graded) / len(graded),
        precision=precision,
        recall=recall,
        f1=2 * precision * recall / ((precision + recall) or 1),
        clusters=len({g.cluster for g in graded}),
        root_causes=len({g.label.root_cause for g in graded}),
    )


def by_group(graded: Sequence[Graded], key: Callable[[Label], str]) -> dict[str, Figures]:
    """The figures of each group of ``graded`` (by category, by framework), by its name."""
    groups: dict[str, list[Graded]] = {}
    for g in graded:
        groups.setdefault(key(g.label), []).append(g)
    return {name: figures(members) for name, members in sorted(groups.items())}


def _pairs(counts: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in counts)


def _pairwise(graded: Sequence[Graded]) -> tuple[float, float]:
    """Pairwise precision and recall of the clusters against the root causes."""
    both = _pairs(Counter((g.cluster, g.label.root_cause) for g in graded).values())
    said = _pairs(Counter(g.cluster for g in graded).values())
    true = _pairs(Counter(g.label.root_cause for g in graded).values())
    return (both / said if said else 1.0), (both / true if true else 1.0)


def grade(labels: Sequence[Label]) -> tuple[list[Graded], list[Graded], list[TestResult]]:
    """orch's and the baseline's grades on ``labels``' scenarios, and the results they read."""
    results = _scenario_results(labels)
    return _grade_orch(labels, results), _grade_baseline(labels, results), results


def held_out() -> list[Label]:
    """The labels of the held-out projects."""
    return [label for label in read_labels() if label.split == "held_out"]


def tuning() -> list[Label]:
    """The labels of the tuning projects."""
    return [label for label in read_labels() if label.split == "tuning"]
