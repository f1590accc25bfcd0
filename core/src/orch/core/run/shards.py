"""Splitting an application's tests into shards of about equal duration, by a small cost model.

A shard costs a process start-up, plus for each file it holds the file's fixed cost (collecting
and importing it, module and class fixtures) plus its tests. Files are the unit first, so their
fixed cost is paid once; then, while it shortens the run (the longest shard, or as long but
fewer shards that long), the largest file of the longest shard is split by test, each part paying
the fixed cost again. Weights are recorded durations, the typical recorded duration when a test
is new, or a flat estimate when the application has no history at all; with history, an
application gets no more shards than its expected time has process start-ups.
"""

from __future__ import annotations

import heapq
import itertools
import math
import statistics
from collections.abc import Mapping, Sequence

from attrs import frozen

from orch.ports import TestCase

DEFAULT_SECONDS = 0.01
"""Estimated duration of a test nobody has timed yet (with no history only ratios matter)."""

FILE_SECONDS = 0.02
"""A file's fixed cost in each shard that runs some of its tests: collecting and importing it."""

TEST_OVERHEAD_SECONDS = 0.0005
"""The test framework's own work per test (collecting, reporting), not in recorded durations."""

PROCESS_SECONDS = 0.3
"""Starting one test process (interpreter, framework, plugins): a shard's price."""

_EPSILON = 1e-9


def shard_tests(
    tests: Sequence[TestCase], shards: int, durations: Mapping[str, float]
) -> list[list[TestCase]]:
    """Split ``tests`` into at most ``shards`` balanced lists, each in discovery order."""
    if not tests:
        return []
    weights = _weights(tests, durations)
    if any(test.nodeid in durations for test in tests):
        shards = shard_count(sum(weights.values()), shards)
    parts = [_Part.of(file_tests, weights) for file_tests in _by_file(tests).values()]
    plan = _assign(parts, shards)
    for _ in range(len(tests)):
        better = _split_once(plan, shards)
        if better is None:
            break
        plan = better
    order = {test.nodeid: position for position, test in enumerate(tests)}
    assigned = [[test for part in shard.parts for test in part.tests] for shard in plan]
    return [sorted(shard, key=lambda t: order[t.nodeid]) for shard in assigned if shard]


def shard_count(expected_seconds: float, workers: int) -> int:
    """How many shards ``expected_seconds`` of tests are worth: each needs at least one process
    start-up's worth of work, so a short application runs as one shard."""
    return max(1, min(workers, math.floor(expected_seconds / PROCESS_SECONDS)))


def expected_seconds(durations: Mapping[str, float]) -> float:
    """How long recorded tests take to run in one process, start-up aside."""
    return sum(durations.values()) + TEST_OVERHEAD_SECONDS * len(durations)


@frozen
class _Part:
    """Some tests of one file (all of them, or a run of them), with the file's fixed cost."""

    file: str
    tests: tuple[TestCase, ...]
    weights: tuple[float, ...]
    fixed: float

    @classmethod
    def of(cls, tests: list[TestCase], weights: Mapping[str, float]) -> _Part:
        own = tuple(weights[test.nodeid] for test in tests)
        # the first test's recorded time includes the file's module fixtures: count them as fixed
        setup = max(0.0, own[0] - statistics.median(own)) if len(own) > 2 else 0.0
        own = (own[0] - setup, *own[1:])
        return cls(_file_of(tests[0]), tuple(tests), own, FILE_SECONDS + setup)

    @property
    def tests_seconds(self) -> float:
        return sum(self.weights)

    def split(self, pieces: int) -> list[_Part]:
        """``pieces`` runs of consecutive tests of about equal weight (at most one per test)."""
        pieces = min(pieces, len(self.tests))
        total, running, cuts = self.tests_seconds, 0.0, [0]
        for index, weight in enumerate(self.weights[:-1], start=1):
            goal = total * len(cuts) / pieces
            if len(cuts) < pieces and (
                running + weight >= goal or len(self.tests) - index <= pieces - len(cuts)
            ):
                nearer = abs(running - goal) < abs(running + weight - goal) and cuts[-1] < index - 1
                cuts.append(index - 1 if nearer else index)
            running += weight
        cuts.append(len(self.tests))
        return [
            _Part(self.file, self.tests[a:b], self.weights[a:b], self.fixed)
            for a, b in itertools.pairwise(cuts)
            if b > a
        ]


@frozen
class _Shard:
    parts: tuple[_Part, ...]
    load: float


def _assign(parts: list[_Part], shards: int) -> list[_Shard]:
    """Longest processing time first: the heaviest part goes to the lightest shard; a file's
    fixed cost is paid once per shard that holds some of it."""
    count = min(shards, len(parts))
    loads = [(0.0, index) for index in range(count)]
    held: list[list[_Part]] = [[] for _ in range(count)]
    for part in sorted(parts, key=lambda p: -(p.fixed + p.tests_seconds)):
        load, index = heapq.heappop(loads)
        pays_fixed = all(other.file != part.file for other in held[index])
        held[index].append(part)
        load += part.tests_seconds + (part.fixed if pays_fixed else 0.0)
        heapq.heappush(loads, (load, index))
    by_index = dict((index, load) for load, index in loads)
    return [_Shard(tuple(held[index]), by_index[index]) for index in range(count)]


def _split_once(plan: list[_Shard], shards: int) -> list[_Shard] | None:
    """The plan with the largest splittable part of the longest shard split, if that is better:
    in halves, thirds, or parts of about a worker's fair share of the whole."""
    longest = max(plan, key=lambda shard: shard.load)
    candidates = [part for part in longest.parts if len(part.tests) > 1]
    if not candidates:
        return None
    largest = max(candidates, key=lambda part: part.tests_seconds)
    parts = [part for shard in plan for part in shard.parts if part is not largest]
    share = sum(shard.load for shard in plan) / shards
    best = plan
    fair = math.ceil(largest.tests_seconds / share)
    for pieces in sorted({2, 3, fair, fair + 1}):
        if pieces >= 2:
            trial = _assign([*parts, *largest.split(pieces)], shards)
            best = trial if _cost(trial) < _cost(best) else best
    return None if best is plan else best


def _cost(plan: list[_Shard]) -> tuple[float, int]:
    """What a plan is judged by: its longest shard, then how many shards are that long."""
    makespan = max(shard.load for shard in plan)
    return round(makespan, 9), sum(shard.load > makespan - _EPSILON for shard in plan)


def _weights(tests: Sequence[TestCase], durations: Mapping[str, float]) -> dict[str, float]:
    if not durations:
        return {test.nodeid: DEFAULT_SECONDS for test in tests}
    estimate = statistics.median(durations.values())
    return {
        test.nodeid: durations.get(test.nodeid, estimate) + TEST_OVERHEAD_SECONDS for test in tests
    }


def _by_file(tests: Sequence[TestCase]) -> dict[str, list[TestCase]]:
    files: dict[str, list[TestCase]] = {}
    for test in tests:
        files.setdefault(_file_of(test), []).append(test)
    return files


def _file_of(test: TestCase) -> str:
    return test.file or test.nodeid.split("::")[0]
