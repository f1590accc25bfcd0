"""Issue 8 items 2 and 3: result files of any size parse in linear time and flat memory.

Failing tests without output of their own used to look their suite's output up one by one
(41,000 such tests: 80 s); a file over 10 MB was rejected whole; the whole tree was held in memory.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from wall_clock import budget

from orch.adapters.junit import JUnitXmlParser, TestNGParser
from orch.core.report.files import write_junit_xml
from orch.core.run.session import RunResult
from orch.core.shared.outcomes import ExitCode, count
from orch.ports import Outcome, TestResult

JUNIT = JUnitXmlParser()

PEAK_RSS = r"""
import re, sys
from pathlib import Path
from orch.adapters.junit import JUnitXmlParser
results = JUnitXmlParser().parse(Path(sys.argv[1]), "shop")
status = Path("/proc/self/status").read_text()
print(len(results), int(re.search(r"VmHWM:\s*(\d+) kB", status).group(1)) // 1024)
"""
"""Parses a file and prints its tests and the process's peak memory in MB. Not getrusage's
``ru_maxrss``: Linux carries it over ``exec`` from the forked pytest process."""


def write_suite(path: Path, case: str, count: int, tail: str = "") -> Path:
    """A ``<testsuite>`` of ``count`` copies of ``case`` (``{n}`` its number), then ``tail``."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="com.shop.CartTest">\n')
        for start in range(0, count, 10_000):
            out.write("".join(case.format(n=n) for n in range(start, min(start + 10_000, count))))
        out.write(f"{tail}</testsuite>\n")
    return path


def test_failing_tests_take_their_suites_output_in_linear_time(tmp_path: Path) -> None:
    case = '<testcase classname="a.B" name="t{n}"><failure message="no"/></testcase>\n'
    path = write_suite(tmp_path / "TEST-cart.xml", case, 100_000, "<system-out>gradle</system-out>")
    started = time.monotonic()
    results = JUNIT.parse(path, "shop")
    elapsed = time.monotonic() - started
    assert len(results) == 100_000
    assert {(r.outcome, r.stdout) for r in results} == {(Outcome.FAILED, "gradle")}
    assert elapsed < budget(30), f"100,000 failing tests took {elapsed:.1f} s (quadratic: ~500 s)"


def test_a_file_over_10_mb_is_read_whole(tmp_path: Path) -> None:
    case = '<testcase classname="com.shop.CartServiceTest" name="adds_item_{n}" time="0.001"/>\n'
    path = write_suite(tmp_path / "big.xml", case, 160_000)
    assert path.stat().st_size > 10_000_000
    results = JUNIT.parse(path, "shop")
    assert len(results) == 160_000
    assert {r.outcome for r in results} == {Outcome.PASSED}
    assert results[-1].nodeid == "com.shop.CartServiceTest.adds_item_159999"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_memory_stays_flat_however_big_the_file(tmp_path: Path) -> None:
    """56 MB of tests whose properties orch does not keep: the parser holds one test at a time,
    so its peak memory is far below the file's size (the whole tree took about 10 times it)."""
    properties = "".join(f'<property name="p{i}" value="{"v" * 80}"/>' for i in range(28))
    case = f'<testcase classname="a.B" name="t{{n}}"><properties>{properties}</properties>'
    case += "</testcase>\n"
    path = write_suite(tmp_path / "props.xml", case, 20_000)
    size_mb = path.stat().st_size / 2**20
    assert size_mb > 56
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    tests, peak_mb = map(int, done.stdout.split())
    assert tests == 20_000
    assert peak_mb < size_mb, f"peak {peak_mb} MB for a {size_mb:.0f} MB file"


@pytest.mark.slow
def test_orch_reads_back_its_own_merged_junit_with_100_mib_of_output(tmp_path: Path) -> None:
    printed = "x" * (100 * 2**20)
    results = (
        TestResult("pay", "tests/test_a.py::test_loud", Outcome.FAILED, 1.0, stdout=printed),
        TestResult("pay", "tests/test_a.py::test_quiet", Outcome.PASSED, 0.5),
    )
    path = tmp_path / "junit.xml"
    write_junit_xml(RunResult("r", results, count(results), ExitCode.TESTS_FAILED, 1.0), path)
    assert path.stat().st_size > 100 * 2**20
    back = {r.nodeid: r for r in JUNIT.parse(path, "pay")}
    assert back["tests.test_a.test_loud"].outcome is Outcome.FAILED
    assert len(back["tests.test_a.test_loud"].stdout) == len(printed)
    assert back["tests.test_a.test_quiet"].outcome is Outcome.PASSED


def test_a_big_testng_file_streams_too(tmp_path: Path) -> None:
    method = (
        '<test-method status="{status}" name="m{n}" duration-ms="3">'
        "<reporter-output><line>{pad}</line></reporter-output></test-method>\n"
    )
    path = tmp_path / "testng-results.xml"
    with path.open("w") as out:
        out.write('<testng-results><suite name="s"><test name="t"><class name="com.shop.A">\n')
        for start in range(0, 60_000, 10_000):
            out.write(
                "".join(
                    method.format(n=n, status="FAIL" if n % 7 == 0 else "PASS", pad="y" * 150)
                    for n in range(start, start + 10_000)
                )
            )
        out.write("</class></test></suite></testng-results>\n")
    assert path.stat().st_size > 10_000_000
    results = TestNGParser().parse(path, "shop")
    assert len(results) == 60_000
    assert sum(r.outcome is Outcome.FAILED for r in results) == len(range(0, 60_000, 7))
    assert results[1].duration == 0.003 and results[1].stdout == "y" * 150
