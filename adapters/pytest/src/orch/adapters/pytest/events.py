"""Turns the JSON lines the event plugin writes into orch events, the way pytest's terminal would.

A test's phases (setup, call, teardown) arrive one line each; the test is finished at its teardown,
when they are combined into one TestResult. A collect error finishes the shard's tests it covers.
A shard run without a test list reports what it collected first (one ``TestsCollected``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from attrs import Factory, define, field

from orch.ports import Event, Outcome, Shard, TestCase, TestResult, TestsCollected, TestStarted

COLLECT_ERROR = "orch:collect-error"
"""Marker of a TestCase that stands for a file pytest could not collect."""

READ_CHUNK = 1 << 20
"""Bytes of the event file read at a time."""


@define
class PytestEvents:
    """Incremental reader of one shard's event file; ``read`` returns only what is new."""

    path: Path
    app: str
    shard: Shard
    buffer: bytes = b""
    offset: int = 0
    dropping: bool = False
    phases: dict[str, list[dict[str, Any]]] = field(factory=dict)
    finished: set[str] = field(factory=set)
    files: dict[str, str] = field(
        default=Factory(lambda self: {t.nodeid: t.file for t in self.shard.tests}, takes_self=True)
    )

    def read(self) -> list[Event]:
        """Events completed since the last call; a partly written last line waits for the next.

        The file is read a chunk at a time and a line longer than ``max_line`` is dropped as it
        streams in (its test gets an error saying so): the plugin cuts each test's output to
        the shard's limits, so only something else writing to the file makes such a line, and
        orch never holds it whole.
        """
        events: list[Event] = []
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                while chunk := handle.read(READ_CHUNK):
                    self.offset += len(chunk)
                    events.extend(self._parse(chunk))
        except FileNotFoundError:
            return []
        return events

    @property
    def max_line(self) -> int:
        """The longest event line read: four texts at the limits, each character escaped."""
        return 24 * (self.shard.output.head + self.shard.output.tail) + READ_CHUNK

    def _parse(self, chunk: bytes) -> list[Event]:
        if self.dropping:  # skip to the end of the line being dropped
            end = chunk.find(b"\n")
            if end < 0:
                return []
            chunk, self.dropping = chunk[end + 1 :], False
        lines = (self.buffer + chunk).split(b"\n")
        self.buffer = lines.pop()
        events: list[Event] = []
        collected: list[TestCase] = []  # consecutive collected tests become one event
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or not isinstance(record.get("nodeid", ""), str):
                continue  # a test can write to ORCH_EVENTS too: only our plugin's shape counts
            if record.get("event") == "collected":
                collected.append(self._collected(record))
                continue
            if collected:
                events.append(TestsCollected(tuple(collected)))
                collected = []
            events.extend(self._on(record))
        if collected:
            events.append(TestsCollected(tuple(collected)))
        if len(self.buffer) > self.max_line:
            self.buffer, self.dropping = b"", True
            events.extend(self._dropped())
        return events

    def _dropped(self) -> list[Event]:
        """The error of the running test, whose event line was too long to read."""
        nodeid = self.running
        if nodeid is None:
            return []
        del self.phases[nodeid]
        message = (
            f"orch dropped an event line of over {self.max_line:,} bytes written while this "
            "test ran (orch's event plugin writes shorter ones: does something else write to "
            "ORCH_EVENTS?)"
        )
        return [self._result(nodeid, {"outcome": Outcome.ERROR, "message": message})]

    @property
    def results(self) -> int:
        """How many tests got a result so far."""
        return len(self.finished)

    @property
    def running(self) -> str | None:
        """The nodeid of the test that started and has not finished, if one has."""
        return next(reversed(self.phases), None)

    def _on(self, record: dict[str, Any]) -> list[Event]:
        kind = record.get("event")
        nodeid = record.get("nodeid", "")
        if kind == "start":
            self.phases[nodeid] = []
            return [TestStarted(self.app, nodeid)]
        if kind == "phase":
            if nodeid in self.finished:
                return []  # a test whose line was dropped already has its result
            phases = self.phases.setdefault(nodeid, [])
            phases.append(record)
            if record.get("when") != "teardown":
                return []
            del self.phases[nodeid]
            return [self._result(nodeid, combine(phases))]
        if kind == "collecterror":
            return self._collect_error(record)
        return []

    def _collected(self, record: dict[str, Any]) -> TestCase:
        """A test the shard collected itself (a whole-app shard), as discovery would list it."""
        self.files[record["nodeid"]] = record["file"]
        case = test_case(self.app, record)
        assert case is not None, "a collected record always names a test"
        return case

    def _collect_error(self, record: dict[str, Any]) -> list[Event]:
        nodeid = record["nodeid"]
        failed = record.get("outcome") == "failed"
        covered = [
            test.nodeid
            for test in self.shard.tests
            if test.nodeid not in self.finished and _covers(nodeid, test.nodeid)
        ]
        if not covered and not failed:
            return []
        verdict = {
            "outcome": Outcome.ERROR if failed else Outcome.SKIPPED,
            "message": _text(record, "message"),
            "longrepr": _text(record, "longrepr"),
        }
        return [self._result(test, verdict) for test in covered or [nodeid]]

    def _result(self, nodeid: str, verdict: dict[str, Any]) -> TestResult:
        self.finished.add(nodeid)
        return TestResult(
            app=self.app,
            nodeid=nodeid,
            attempt=self.shard.attempt,
            file=self.files.get(nodeid) or nodeid.split("::", 1)[0],
            **verdict,
        )


def combine(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """One test's outcome from its phase events: the first failing phase decides, like pytest."""
    verdict: dict[str, Any] = {
        "duration": sum(_seconds(p.get("duration")) for p in phases),
        "longrepr": "\n\n".join(_text(p, "longrepr") for p in phases if _text(p, "longrepr")),
        "stdout": "".join(_text(p, "stdout") for p in phases),
        "stderr": "".join(_text(p, "stderr") for p in phases),
        "markers": next((_names(p["markers"]) for p in phases if p.get("markers")), ()),
    }
    failed = next((p for p in phases if p.get("outcome") == "failed"), None)
    skipped = next((p for p in phases if p.get("outcome") == "skipped"), None)
    call = next((p for p in phases if p.get("when") == "call"), {})
    if failed is not None:
        outcome = Outcome.FAILED if failed.get("when") == "call" else Outcome.ERROR
        message = _text(failed, "message")
    elif skipped is not None:
        outcome = Outcome.XFAILED if "wasxfail" in skipped else Outcome.SKIPPED
        message = _text(skipped, "wasxfail") or _text(skipped, "message")
    elif "wasxfail" in call:
        outcome, message = Outcome.XPASSED, _text(call, "wasxfail")
    else:
        outcome, message = Outcome.PASSED, ""
    return {**verdict, "outcome": outcome, "message": message}


def _text(phase: dict[str, Any], key: str) -> str:
    """A text field of a phase event; anything else a test wrote into the event file is none."""
    value = phase.get(key, "")
    return value if isinstance(value, str) else ""


def _names(value: object) -> tuple[str, ...]:
    """Marker names of a phase event, the texts of a list and nothing else."""
    return tuple(name for name in value if isinstance(name, str)) if isinstance(value, list) else ()


def _seconds(value: object) -> float:
    """A phase's duration: a finite number of seconds, else 0 (JSON reports hold no infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) and value >= 0 else 0.0


def _covers(collector: str, nodeid: str) -> bool:
    """Whether a test lies inside the collector (file, class or directory) with that nodeid."""
    return (
        not collector
        or nodeid == collector
        or nodeid.startswith(collector + "::")
        or nodeid.startswith(collector + "/")
    )


def test_case(app: str, record: dict) -> TestCase | None:
    """The TestCase a collection record stands for (a test, or a file that failed to collect)."""
    if record.get("event") == "collected":
        fixtures = record.get("fixtures")
        names = tuple(fixtures) if isinstance(fixtures, list) else None
        return TestCase(app, record["nodeid"], record["file"], tuple(record["markers"]), names)
    if record.get("event") == "collecterror" and record.get("outcome") == "failed":
        return TestCase(app, record["nodeid"], record["file"], (COLLECT_ERROR,))
    return None
