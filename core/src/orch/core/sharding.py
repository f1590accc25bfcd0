"""Splitting an application's tests into shards of about equal duration.

Longest-processing-time-first: take the heaviest unit first and give it to the lightest shard.
Units are whole files (module fixtures run once, collection stays per file) unless there are fewer
files than shards; weights are recorded durations, or the typical recorded duration when a test is
new, or a flat estimate when the application has no history at all.
"""

from __future__ import annotations

import heapq
import statistics
from collections.abc import Mapping, Sequence

from orch.ports import TestCase

DEFAULT_SECONDS = 0.01
"""Estimated duration of a test nobody has timed yet (only relative weights matter)."""


def shard_tests(
    tests: Sequence[TestCase], shards: int, durations: Mapping[str, float]
) -> list[list[TestCase]]:
    """Split ``tests`` into at most ``shards`` balanced lists, each in discovery order."""
    if not tests:
        return []
    estimate = statistics.median(durations.values()) if durations else DEFAULT_SECONDS
    units = _by_file(tests)
    if len(units) < shards:
        units = [[test] for test in tests]
    heaviest_first = sorted(
        units, key=lambda unit: -sum(durations.get(t.nodeid, estimate) for t in unit)
    )
    count = min(shards, len(units))
    loads = [(0.0, index) for index in range(count)]
    assigned: list[list[TestCase]] = [[] for _ in range(count)]
    for unit in heaviest_first:
        load, index = heapq.heappop(loads)
        assigned[index].extend(unit)
        weight = sum(durations.get(t.nodeid, estimate) for t in unit)
        heapq.heappush(loads, (load + weight, index))
    order = {test.nodeid: position for position, test in enumerate(tests)}
    return [sorted(shard, key=lambda t: order[t.nodeid]) for shard in assigned if shard]


def _by_file(tests: Sequence[TestCase]) -> list[list[TestCase]]:
    files: dict[str, list[TestCase]] = {}
    for test in tests:
        files.setdefault(test.file or test.nodeid.split("::")[0], []).append(test)
    return list(files.values())
