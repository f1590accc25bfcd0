"""Integrity of the labelled failure dataset (tests/data/failures/failures.jsonl) for issue 4."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

DATASET = Path(__file__).resolve().parents[1] / "data" / "failures" / "failures.jsonl"
CATEGORIES = {
    "connection_refused",
    "dns",
    "timeout",
    "out_of_memory",
    "disk_full",
    "permission_denied",
    "missing_module",
    "fixture_error",
    "assertion",
    "crash",
    "flaky",
}
RUNNERS = {"pytest", "node", "java", "process"}
OUTCOMES = {"failed", "error", "timeout"}
TEXT_FIELDS = ("id", "runner", "outcome", "message", "longrepr", "stdout", "stderr")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """Every line of the dataset, parsed (a line that is not JSON fails here)."""
    lines = DATASET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_at_least_200_records(records):
    assert len(records) >= 200


def test_ids_are_unique(records):
    duplicates = [key for key, n in Counter(r["id"] for r in records).items() if n > 1]
    assert duplicates == []


def test_every_record_has_the_fields(records):
    for rec in records:
        for field in TEXT_FIELDS:
            assert isinstance(rec[field], str), (rec.get("id"), field)
        assert rec["exception_type"] is None or isinstance(rec["exception_type"], str), rec["id"]
        assert rec["runner"] in RUNNERS, rec["id"]
        assert rec["outcome"] in OUTCOMES, rec["id"]
        assert rec["label"]["category"] in CATEGORIES, rec["id"]
        assert isinstance(rec["label"]["cluster"], str) and rec["label"]["cluster"], rec["id"]
        assert rec["message"] or rec["longrepr"] or rec["stdout"] or rec["stderr"], rec["id"]


def test_at_least_8_categories_with_5_each(records):
    counts = Counter(r["label"]["category"] for r in records)
    assert len([c for c, n in counts.items() if n >= 5]) >= 8, counts


def test_at_least_2_runners(records):
    assert len({r["runner"] for r in records} - {"process"}) >= 2


def test_file_stays_small():
    assert DATASET.stat().st_size < 2_500_000
