"""Sharding balances recorded durations by a cost model: whole files first (their fixed cost is
paid once), split by test when that shortens the run, never more shards than start-ups pay for."""

from __future__ import annotations

import pytest

from orch.core.run.shards import PROCESS_SECONDS, expected_seconds, shard_count, shard_tests
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


def loads(shards: list[list[TestCase]], durations: dict[str, float]) -> list[float]:
    return sorted(sum(durations[t.nodeid] for t in shard) for shard in shards)


def test_few_large_files_are_split_by_test_when_durations_say_it_pays():
    # the case: 33 tests of 0.1 s in 3 files on 2 workers; whole files give 2.2 s + 1.1 s
    tests = make_tests({"a.py": 11, "b.py": 11, "c.py": 11})
    durations = {t.nodeid: 0.1 for t in tests}
    shards = shard_tests(tests, 2, durations)
    assert len(shards) == 2
    assert loads(shards, durations) == pytest.approx([1.6, 1.7])
    assert sorted(t.nodeid for s in shards for t in s) == sorted(t.nodeid for t in tests)


def test_without_history_very_unequal_files_are_split_too():
    tests = make_tests({"big.py": 30, "a.py": 2, "b.py": 2})
    shards = shard_tests(tests, 2, {})
    assert sorted(len(s) for s in shards) == [17, 17]
    assert all(any(t.file == "big.py" for t in shard) for shard in shards)


def test_a_file_whose_module_fixture_dominates_stays_whole():
    # big.py's first test carries 1 s of module fixture: splitting would pay it twice
    tests = make_tests({"big.py": 4, "other.py": 6})
    durations = {t.nodeid: 0.1 for t in tests} | {"big.py::test_0": 1.1}
    shards = shard_tests(tests, 2, durations)
    assert sorted({t.file for t in shard} for shard in shards) == [{"big.py"}, {"other.py"}]


def test_the_same_file_with_its_time_spread_over_its_tests_is_split():
    tests = make_tests({"big.py": 4, "other.py": 6})
    durations = {t.nodeid: 0.1 for t in tests} | {f"big.py::test_{i}": 0.35 for i in range(4)}
    shards = shard_tests(tests, 2, durations)
    assert len({t.file for t in shards[0]} & {t.file for t in shards[1]}) >= 1
    assert max(loads(shards, durations)) < 1.1  # whole files: 1.4 s against 0.6 s


def test_an_application_shorter_than_a_process_start_up_is_not_split():
    tests = make_tests({f"t{i}.py": 10 for i in range(10)})
    durations = {t.nodeid: 0.0001 for t in tests}
    assert len(shard_tests(tests, 4, durations)) == 1


def test_each_shard_gets_at_least_a_process_start_up_of_work():
    assert shard_count(0.1, 4) == 1
    assert shard_count(PROCESS_SECONDS * 2.5, 4) == 2
    assert shard_count(100.0, 4) == 4
    assert expected_seconds({}) == 0
    assert expected_seconds({"a": 1.0, "b": 2.0}) == pytest.approx(3.0, abs=0.01)


def test_one_huge_file_fills_every_worker():
    tests = make_tests({"huge.py": 400})
    durations = {t.nodeid: 0.05 for t in tests}
    shards = shard_tests(tests, 4, durations)
    assert sorted(len(s) for s in shards) == [100, 100, 100, 100]
