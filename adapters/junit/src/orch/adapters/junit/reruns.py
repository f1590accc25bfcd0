"""Folding repeated entries of one test in a result file into one TestResult.

Frameworks repeat a test when they rerun it (Gradle's test-retry without ``mergeReruns``, TestNG's
retry analyzer) or when a test fails and then errors in teardown (pytest). orch wants one result per
test and run attempt, so the repeats are merged; a test that failed and finally passed is flaky.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from orch.ports import Outcome, TestResult


def merge_reruns(results: Iterable[TestResult]) -> list[TestResult]:
    """One result per nodeid, in order of first appearance, each repeat folded into the first.

    The last entry passed and an earlier one failed: flaky. Any entry failed: the first failure's
    outcome and message, with every failure's text in ``longrepr``. Otherwise the last entry.
    """
    merged: list[TestResult] = []
    first: dict[str, int] = {}  # nodeid -> where in ``merged``
    repeated: dict[int, list[TestResult]] = {}
    for result in results:
        at = first.setdefault(result.nodeid, len(merged))
        if at == len(merged):
            merged.append(result)
        else:
            repeated.setdefault(at, [merged[at]]).append(result)
    for at, group in repeated.items():
        merged[at] = _fold(group)
    return merged


def _fold(group: list[TestResult]) -> TestResult:
    last = group[-1]
    failures = [r for r in group if r.outcome.is_failure]
    if not failures:
        return last
    first = failures[0]
    outcome = Outcome.FLAKY if last.outcome is Outcome.PASSED else first.outcome
    texts = [
        f"--- attempt {number} ({r.outcome.value}) ---\n{r.longrepr or r.message}"
        for number, r in enumerate(group, start=1)
        if r.outcome.is_failure
    ]
    return attrs.evolve(
        first,
        outcome=outcome,
        duration=sum(r.duration for r in group),
        longrepr="\n\n".join(texts),
        stdout="".join(dict.fromkeys(r.stdout for r in group)),
        stderr="".join(dict.fromkeys(r.stderr for r in group)),
    )
