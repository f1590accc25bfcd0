"""The event stream over an events file written in pieces, and finish after pytest gave up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orch.adapters.pytest.runner import PytestRunner
from orch.ports import Application, Outcome, Shard, ShardExit, TestCase, TestResult, TestStarted

APP = Application(name="shop", path=Path("."), runner="pytest")
TEST = TestCase("shop", "tests/test_a.py::test_a[x y]", "tests/test_a.py")
SHARD = Shard("shop", (TEST, TestCase("shop", "tests/test_a.py::test_b", "tests/test_a.py")))


def _line(**event: object) -> bytes:
    return json.dumps(event).encode() + b"\n"


def _phase(when: str, outcome: str = "passed", nodeid: str = TEST.nodeid, **more: object) -> bytes:
    return _line(event="phase", nodeid=nodeid, when=when, outcome=outcome, duration=0.25, **more)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return tmp_path / "scratch"


def _append(scratch: Path, data: bytes) -> None:
    scratch.mkdir(exist_ok=True)
    with (scratch / "events.jsonl").open("ab") as handle:
        handle.write(data)


def test_reads_are_empty_before_the_shard_starts(scratch: Path) -> None:
    stream = PytestRunner().events(APP, SHARD, scratch)
    assert stream.read() == []
    assert stream.read() == []


def test_each_read_returns_only_new_events_and_waits_for_whole_lines(scratch: Path) -> None:
    stream = PytestRunner().events(APP, SHARD, scratch)
    start = _line(event="start", nodeid=TEST.nodeid)
    _append(scratch, start[:10])
    assert stream.read() == []
    _append(scratch, start[10:] + _phase("setup") + _phase("call")[:-9])
    assert stream.read() == [TestStarted("shop", TEST.nodeid)]
    assert stream.read() == []
    _append(scratch, _phase("call")[-9:] + _phase("teardown", stdout="late\n"))
    [result] = stream.read()
    assert result == TestResult(
        "shop", TEST.nodeid, Outcome.PASSED, duration=0.75, stdout="late\n", file="tests/test_a.py"
    )
    assert stream.read() == []


def test_a_garbled_line_is_skipped_and_the_next_still_counts(scratch: Path) -> None:
    stream = PytestRunner().events(APP, SHARD, scratch)
    _append(scratch, b'{"event": "sta\xff\n' + _line(event="start", nodeid=TEST.nodeid))
    assert stream.read() == [TestStarted("shop", TEST.nodeid)]


def test_a_collect_error_finishes_the_shards_tests_of_that_file(scratch: Path) -> None:
    stream = PytestRunner().events(APP, SHARD, scratch)
    _append(
        scratch,
        _line(
            event="collecterror",
            nodeid="tests/test_a.py",
            outcome="failed",
            message="ImportError: no",
            longrepr="E   ImportError: no",
        ),
    )
    results = stream.read()
    assert [(r.nodeid, r.outcome, r.message) for r in results] == [
        (TEST.nodeid, Outcome.ERROR, "ImportError: no"),
        ("tests/test_a.py::test_b", Outcome.ERROR, "ImportError: no"),
    ]


def test_setup_error_wins_over_a_teardown_error(scratch: Path) -> None:
    stream = PytestRunner().events(APP, SHARD, scratch)
    _append(
        scratch,
        _phase("setup", "failed", message="KeyError: 'db'", longrepr="setup trace")
        + _phase("teardown", "failed", message="OSError: gone", longrepr="teardown trace"),
    )
    [result] = stream.read()
    assert (result.outcome, result.message) == (Outcome.ERROR, "KeyError: 'db'")
    assert result.longrepr == "setup trace\n\nteardown trace"


def test_xfail_not_run_is_xfailed(scratch: Path) -> None:
    stream = PytestRunner().events(APP, SHARD, scratch)
    _append(
        scratch,
        _phase("setup", "skipped", wasxfail="[NOTRUN] flaky", markers=["xfail"])
        + _phase("teardown"),
    )
    [result] = stream.read()
    assert (result.outcome, result.message, result.markers) == (
        Outcome.XFAILED,
        "[NOTRUN] flaky",
        ("xfail",),
    )


def test_finish_returns_what_was_not_read_yet(scratch: Path) -> None:
    runner = PytestRunner()
    stream = runner.events(APP, SHARD, scratch)
    _append(scratch, _phase("setup") + _phase("call"))
    assert stream.read() == []
    _append(scratch, _phase("teardown"))
    [result] = runner.finish(APP, SHARD, scratch, ShardExit(0))
    assert result.outcome is Outcome.PASSED


def test_pytest_giving_up_without_results_is_one_error_for_the_first_file(scratch: Path) -> None:
    runner = PytestRunner()
    runner.events(APP, SHARD, scratch)
    tail = "INTERNALERROR> Traceback\nINTERNALERROR> KeyError: 'boom'\n"
    [error] = runner.finish(APP, SHARD, scratch, ShardExit(3, output_tail=tail))
    assert (error.nodeid, error.outcome) == ("tests/test_a.py", Outcome.ERROR)
    assert error.message == (
        "pytest hit an internal error (exit code 3): "
        "INTERNALERROR> Traceback; INTERNALERROR> KeyError: 'boom'"
    )
    assert error.longrepr == tail


def test_pytest_giving_up_on_a_whole_app_shard_names_the_app(scratch: Path) -> None:
    runner = PytestRunner()
    [error] = runner.finish(APP, Shard("shop", ()), scratch, ShardExit(2, output_tail=""))
    assert (error.nodeid, error.message) == (
        "shop",
        "pytest was interrupted (exit code 2): no output",
    )


def test_pytest_giving_up_after_results_adds_nothing(scratch: Path) -> None:
    runner = PytestRunner()
    stream = runner.events(APP, SHARD, scratch)
    _append(scratch, _phase("setup") + _phase("call") + _phase("teardown"))
    assert len(stream.read()) == 1
    assert runner.finish(APP, SHARD, scratch, ShardExit(2, output_tail="KeyboardInterrupt")) == []


def test_lines_a_test_wrote_into_the_event_file_cannot_crash_or_poison_the_run(
    scratch: Path,
) -> None:
    # ORCH_EVENTS is in the tests' environment: a line of another shape, wrong types and an
    # infinite duration (which no JSON report can hold) must be no internal error
    stream = PytestRunner().events(APP, SHARD, scratch)
    hostile = (
        b"5\n[1, 2]\n"
        + _line(event="start", nodeid=7)
        + _line(event="start", nodeid=TEST.nodeid)
        + _line(event="phase", nodeid=TEST.nodeid, when="call", outcome="failed", duration=1e999)
        .replace(b"Infinity", b"1e999")
        .replace(b'"duration"', b'"message": 5, "markers": 3, "stdout": [1], "duration"')
        + _phase("teardown")
    )
    _append(scratch, hostile)
    started, result = stream.read()
    assert started == TestStarted("shop", TEST.nodeid)
    assert isinstance(result, TestResult) and result.outcome is Outcome.FAILED
    assert (result.message, result.stdout, result.markers) == ("", "", ())
    assert result.duration == 0.25, "the infinite phase counts as an unknown duration"
