"""Triage quality on the labelled dataset of real failures (tests/data/failures): floors on
per-category precision and recall and on cluster purity, printed so a run shows the figures."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from orch.core.triage.analysis import TriageReport, triage
from orch.ports import Outcome, TestResult, TriageSettings

DATASET = Path(__file__).parents[1] / "data" / "failures" / "failures.jsonl"
OUR_NAMES = {
    "dns": "dns_failure",
    "missing_module": "missing_dependency",
    "assertion": "assertion_failure",
}


@pytest.fixture(scope="module")
def analysed() -> tuple[TriageReport, dict[str, tuple[str, str]]]:
    results, labels = [], {}
    for line in DATASET.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        label = record["label"]
        flaky = label["category"] == "flaky"  # what orch records once the retry passed
        result = TestResult(
            record["runner"],
            record["id"],
            Outcome.FLAKY if flaky else Outcome(record["outcome"]),
            message=record["message"] or "",
            longrepr=record["longrepr"] or "",
            stdout=record.get("stdout") or "",
            stderr=record.get("stderr") or "",
        )
        results.append(result)
        labels[result.id] = (OUR_NAMES.get(label["category"], label["category"]), label["cluster"])
    return triage(results, TriageSettings()), labels


def test_categories_reach_their_precision_and_recall_floors(analysed):
    report, labels = analysed
    hits, wrong_guess, missed = Counter(), Counter(), Counter()
    for failure in report.failures:
        expected = labels[failure.id][0]
        if failure.category == expected:
            hits[expected] += 1
        else:
            wrong_guess[failure.category] += 1
            missed[expected] += 1
    accuracy = sum(hits.values()) / len(report.failures)
    print(f"\naccuracy {accuracy:.3f} over {len(report.failures)} real failures")
    for category in sorted(set(hits) | set(missed)):
        precision = hits[category] / ((hits[category] + wrong_guess[category]) or 1)
        recall = hits[category] / ((hits[category] + missed[category]) or 1)
        print(f"{category:20} precision {precision:.2f} recall {recall:.2f}")
        assert precision >= 0.75, category
        assert recall >= 0.6, category
    assert accuracy >= 0.9
    assert not any(f.category == "" for f in report.failures), "nothing is dropped"


def test_clusters_are_pure(analysed):
    report, labels = analysed
    majority = sum(
        Counter(labels[f.id][1] for f in cluster.failures).most_common(1)[0][1]
        for cluster in report.clusters
    )
    purity = majority / len(report.failures)
    print(f"\ncluster purity {purity:.3f}: {len(report.clusters)} clusters")
    assert purity >= 0.8
    assert len(report.clusters) < len(report.failures) / 3, "root causes, not one per failure"
