"""The event stream never holds a line longer than the shard's output limits allow (issue 8,
item 9): the plugin cuts each test's output, and a longer line, written by something else, is
dropped as it streams in and its test errors saying so."""

from __future__ import annotations

import json
from pathlib import Path

from orch.adapters.pytest.events import READ_CHUNK
from orch.adapters.pytest.runner import PytestRunner
from orch.ports import Application, Outcome, OutputLimits, Shard, TestCase, TestStarted

APP = Application(name="shop", path=Path("."), runner="pytest")
A = TestCase("shop", "tests/test_a.py::test_a", "tests/test_a.py")
B = TestCase("shop", "tests/test_a.py::test_b", "tests/test_a.py")
SHARD = Shard("shop", (A, B), output=OutputLimits(head=10, tail=10))


def _line(**event: object) -> bytes:
    return json.dumps(event).encode() + b"\n"


def _phase(test: TestCase, when: str, **more: object) -> bytes:
    return _line(
        event="phase", nodeid=test.nodeid, when=when, outcome="passed", duration=0.1, **more
    )


def test_an_over_long_line_is_dropped_as_it_streams_in_and_its_test_errors(tmp_path):
    stream = PytestRunner().events(APP, SHARD, tmp_path)
    events = tmp_path / "events.jsonl"
    huge = _phase(A, "call", stdout="x" * (3 * READ_CHUNK))
    with events.open("ab") as handle:
        handle.write(_line(event="start", nodeid=A.nodeid) + _phase(A, "setup"))
    assert stream.read() == [TestStarted("shop", A.nodeid)]
    seen = []
    for start in range(0, len(huge), READ_CHUNK // 2):
        with events.open("ab") as handle:
            handle.write(huge[start : start + READ_CHUNK // 2])
        seen += stream.read()
        assert len(stream.buffer) <= stream.max_line, "never more than one allowed line held"
    with events.open("ab") as handle:
        handle.write(_phase(A, "teardown") + _line(event="start", nodeid=B.nodeid))
        handle.write(_phase(B, "setup") + _phase(B, "call") + _phase(B, "teardown"))
    seen += stream.read()
    [error] = [event for event in seen if getattr(event, "nodeid", "") == A.nodeid]
    assert error.outcome is Outcome.ERROR and "dropped an event line of over" in error.message
    assert [
        e.outcome for e in seen if getattr(e, "nodeid", "") == B.nodeid and hasattr(e, "outcome")
    ] == [Outcome.PASSED], "the next test counts as usual"
