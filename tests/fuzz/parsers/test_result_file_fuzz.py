"""Fuzzing the JUnit and TestNG parsers (issue 8, result files): hundreds of seeded mutated
files, a 100,000-test file and a 50 MB file.

Every input either parses into results a report can hold (finite durations, JSON-safe text, no
secret an entity pointed at) or is one ``ResultFileError`` with a one-line reason; nothing else
escapes, and no input takes longer than its budget. ``orch triage`` over all of them at once
never ends in an internal error.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mutations import SECRET, mutated_files, synthetic_junit, write_big_junit
from wall_clock import budget

from orch.adapters.junit import JUnitXmlParser, TestNGParser
from orch.ports import Outcome, ResultFileError, TestResult

DATA = Path(__file__).parents[2] / "data" / "junit"
PARSERS = (JUnitXmlParser(), TestNGParser())
ORCH = str(Path(sys.executable).parent / "orch")
FILES = 320
BUDGET = budget(2.0)
"""Seconds one small mutated file may take (each takes milliseconds)."""


def seeds() -> list[tuple[str, bytes]]:
    """Every real dialect sample, plus synthetic files of every outcome."""
    samples = [
        (path.stem, path.read_bytes())
        for path in sorted(DATA.glob("*.xml"))
        if not path.name.startswith("corrupt-")
    ]
    rng = random.Random(80)
    return samples + [(f"synthetic{n}", synthetic_junit(rng)) for n in range(3)]


def read(path: Path) -> list[TestResult] | ResultFileError | None:
    """What orch does with a file: the first parser that sniffs it parses it (None: none does)."""
    with path.open("rb") as stream:
        head = stream.read(8192)
    parser = next((p for p in PARSERS if p.sniff(head)), None)
    if parser is None:
        return None
    try:
        return parser.parse(path, "shop")
    except ResultFileError as error:
        return error


def check(path: Path, outcome: list[TestResult] | ResultFileError | None) -> None:
    """Results a report can hold, or a one-line reason naming the file."""
    if isinstance(outcome, ResultFileError):
        assert outcome.path == path and "\n" not in outcome.reason and outcome.reason
        assert SECRET not in outcome.reason
        return
    for result in outcome or ():
        assert math.isfinite(result.duration) and result.duration >= 0, (path, result)
        fields = (result.nodeid, result.message, result.longrepr, result.stdout, result.stderr)
        text = json.dumps(fields, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")  # no lone surrogate
        assert SECRET not in text, f"{path.name} leaked the entity's file"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def test_mutated_result_files_parse_or_fail_cleanly(tmp_path: Path, secret: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    counts = {"results": 0, "refused": 0, "unsniffed": 0}
    slowest = (0.0, "")
    for name, data in mutated_files(seeds(), secret, FILES, seed=8):
        path = inputs / f"{name}.xml"
        path.write_bytes(data)
        started = time.monotonic()
        try:
            outcome = read(path)
        except Exception as error:  # anything but ResultFileError is an internal error
            raise AssertionError(f"{path.name}: {type(error).__name__}: {error}") from error
        elapsed = time.monotonic() - started
        slowest = max(slowest, (elapsed, path.name))
        check(path, outcome)
        kind = {type(None): "unsniffed", ResultFileError: "refused"}.get(type(outcome), "results")
        counts[kind] += 1
    assert slowest[0] < BUDGET, f"{slowest[1]} took {slowest[0]:.2f} s"
    assert sum(counts.values()) == FILES >= 300
    assert min(counts.values()) >= 20, f"the mutations should reach every path: {counts}"

    files = sorted(str(path) for path in inputs.iterdir())
    env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
    done = subprocess.run(
        [ORCH, "triage", *files, "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 2, done.stderr[-2000:]  # some files are bad: exit 2, never 3
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    report = json.loads(done.stdout, parse_constant=pytest.fail)
    assert len(report["unreadable"]) == counts["refused"] + counts["unsniffed"]
    assert len(done.stderr.splitlines()) == len(report["unreadable"])
    assert SECRET not in done.stdout + done.stderr


def test_the_deepest_nesting_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.xml"
    depth = 100_000
    path.write_bytes(
        b"<testsuites>" + b"<testsuite>" * depth + b"</testsuite>" * depth + b"</testsuites>"
    )
    outcome = read(path)
    assert isinstance(outcome, ResultFileError)
    assert outcome.reason.startswith("not XML: Excessive depth in document")
    assert outcome.reason.endswith("(a limit orch keeps against hostile files)")
    assert "XML_PARSE_HUGE" not in outcome.reason, "advice to C programmers is no help"


@pytest.mark.slow
def test_a_file_of_100000_tests(tmp_path: Path) -> None:
    started = time.monotonic()
    path = write_big_junit(tmp_path / "junit.xml", 100_000)
    written = time.monotonic() - started
    results = JUnitXmlParser().parse(path, "shop")
    parsed = time.monotonic() - started - written
    assert written < budget(5) and parsed < budget(20), (
        f"written in {written:.1f} s, parsed in {parsed:.1f} s"
    )
    assert len(results) == 100_000
    by_outcome = {o: sum(r.outcome is o for r in results) for o in Outcome}
    assert (by_outcome[Outcome.PASSED], by_outcome[Outcome.FAILED]) == (60_000, 20_000)
    assert (by_outcome[Outcome.SKIPPED], by_outcome[Outcome.ERROR]) == (10_000, 10_000)
    assert {r.stdout for r in results if r.outcome is Outcome.ERROR} == {"suite output"}


@pytest.mark.slow
def test_a_50_mb_file(tmp_path: Path) -> None:
    started = time.monotonic()
    path = write_big_junit(tmp_path / "junit.xml", 100_000, pad=1000)
    written = time.monotonic() - started
    assert path.stat().st_size > 50_000_000
    results = JUnitXmlParser().parse(path, "shop")
    parsed = time.monotonic() - started - written
    assert written < budget(5) and parsed < budget(25), (
        f"written in {written:.1f} s, parsed in {parsed:.1f} s"
    )
    assert len(results) == 100_000
    failed = [r for r in results if r.outcome is Outcome.FAILED]
    assert len(failed) == 20_000 and {len(r.stdout) for r in failed} == {1000}
