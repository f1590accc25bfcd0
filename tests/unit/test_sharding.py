"""Sharding balances recorded durations and keeps files together and in discovery order."""

from __future__ import annotations

from orch.core.sharding import shard_tests
from orch.ports import TestCase


def make_tests(files: dict[str, int]) -> list[TestCase]:
    return [
        TestCase("app", f"{name}::test_{i}", name) for name, n in files.items() for i in range(n)
    ]


def test_without_history_files_are_balanced_by_test_count():
    tests = make_tests({"a.py": 6, "b.py": 3, "c.py": 3})
    shards = shard_tests(tests, 2, {})
    assert sorted(len(s) for s in shards) == [6, 6]
    assert all(len({t.file for t in shard}) in (1, 2) for shard in shards)


def test_recorded_durations_drive_the_split():
    tests = make_tests({"slow.py": 1, "a.py": 5, "b.py": 5})
    durations = {"slow.py::test_0": 10.0} | {t.nodeid: 1.0 for t in tests[1:]}
    shards = shard_tests(tests, 2, durations)
    assert [t.file for t in shards[0]] == ["slow.py"]
    assert len(shards[1]) == 10


def test_fewer_files_than_shards_splits_by_test_and_keeps_order():
    tests = make_tests({"a.py": 4})
    shards = shard_tests(tests, 3, {})
    assert len(shards) == 3
    for shard in shards:
        assert shard == sorted(shard, key=tests.index)
    assert sorted(t.nodeid for s in shards for t in s) == sorted(t.nodeid for t in tests)


def test_no_tests_no_shards():
    assert shard_tests([], 4, {}) == []
