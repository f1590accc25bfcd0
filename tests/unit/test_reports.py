"""Merged JUnit XML and the JSON report: valid, complete, and safe with hostile test output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from orch.core.report.files import junit_names, write_json_report, write_junit_xml
from orch.core.run.session import RunResult
from orch.core.shared.outcomes import ExitCode, count
from orch.ports import Outcome, TestResult

HOSTILE = "]]><script>alert(1)</script>\x1b[31m\x00\x07 end"


def make_result() -> RunResult:
    results = (
        TestResult("pay", "tests/test_a.py::TestX::test_ok[1]", Outcome.PASSED, 0.5),
        TestResult("pay", "tests/test_a.py::test_bad", Outcome.FAILED, 0.1, HOSTILE, HOSTILE),
        TestResult("web", "cart.Cart.total", Outcome.SKIPPED, message="later"),
        TestResult("web", "cart.Cart.hang", Outcome.TIMEOUT, 9.0, "exceeded"),
        TestResult("inv", "tests/test_i.py::test_warm", Outcome.FLAKY, 0.2, "passed on 2"),
    )
    return RunResult("r1", results, count(results), ExitCode.TESTS_FAILED, 1.0)


def test_junit_names_follow_ci_conventions():
    assert junit_names("tests/test_a.py::TestX::test_ok[1]") == ("tests.test_a.TestX", "test_ok[1]")
    assert junit_names("tests/test_a.py::test_bad") == ("tests.test_a", "test_bad")
    assert junit_names("com.acme.CartTest.total") == ("com.acme.CartTest", "total")


def test_titled_tests_are_grouped_by_their_file():
    """Issue 7 item 12: node tests had an empty classname, and a dot in a title split it."""
    assert junit_names("cart > rejects a card", "test/cart.test.mjs") == (
        "test/cart.test.mjs",
        "cart > rejects a card",
    )
    assert junit_names("rounds 1.5 up", "test/round.test.mjs") == (
        "test/round.test.mjs",
        "rounds 1.5 up",
    )
    assert junit_names("adds numbers") == ("", "adds numbers")


def test_junit_xml_is_well_formed_and_counts_match(tmp_path):
    path = tmp_path / "junit.xml"
    write_junit_xml(make_result(), path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "5"
    assert root.get("failures") == "1" and root.get("errors") == "1" and root.get("skipped") == "1"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"pay", "web", "inv"}
    bad = next(c for c in root.iter("testcase") if c.get("name") == "test_bad")
    failure = bad.find("failure")
    assert failure.get("message").startswith("]]><script>")
    assert "\\x1b[31m\\x00\\x07" in failure.text
    assert root.find(".//flakyFailure") is not None


def test_json_report_round_trips(tmp_path):
    path = tmp_path / "report.json"
    write_json_report(make_result(), path, None)
    data = json.loads(path.read_text())
    assert data["summary"]["failed"] == 1 and data["run"]["exit_code"] == 1
    assert {t["outcome"] for t in data["tests"]} == {
        "passed",
        "failed",
        "skipped",
        "timeout",
        "flaky",
    }
    assert data["tests"][1]["message"] == HOSTILE


SHOWN_REORDERED = "\u202e\u2066\u200f\u061c"  # bidi override, isolate, mark, Arabic letter mark
C1 = "\x85\x9b31m"  # NEL, and the one-character CSI of a colour sequence


def hostile_result() -> RunResult:
    text = f"a {SHOWN_REORDERED} b {C1} c \udcff d"
    results = (
        TestResult(
            "pay",
            "tests/test_a.py::test_\udcff",  # an id may carry a surrogate (an undecodable name)
            Outcome.FAILED,
            message=text,
            longrepr=text,
            stdout=text,
            stderr=text,
        ),
    )
    return RunResult("r1", results, count(results), ExitCode.TESTS_FAILED, 1.0)


def test_the_json_report_survives_lone_surrogates_and_carries_no_raw_controls(tmp_path):
    """Issue 8 items 6 and 8: a lone surrogate ended the run with exit 3 (UnicodeEncodeError),
    and C1 and bidi controls were written raw."""
    path = tmp_path / "report.json"
    write_json_report(hostile_result(), path, None)
    raw = path.read_bytes().decode("utf-8")
    assert not any(char in raw for char in SHOWN_REORDERED + C1[0] + C1[1])
    test = json.loads(raw)["tests"][0]
    assert test["nodeid"] == "tests/test_a.py::test_\\udcff", "the surrogate is shown, as text"
    assert SHOWN_REORDERED in test["stdout"] and C1 in test["stdout"], "escaped, not lost"


def test_junit_xml_survives_lone_surrogates_and_carries_no_raw_controls(tmp_path):
    path = tmp_path / "junit.xml"
    write_junit_xml(hostile_result(), path)
    raw = path.read_bytes().decode("utf-8")
    assert not any(char in raw for char in SHOWN_REORDERED + C1[0] + C1[1])
    case = ET.parse(path).getroot().find(".//testcase")
    assert case is not None and case.get("name") == "test_\\udcff"
    out = case.findtext("system-out") or ""
    assert SHOWN_REORDERED in out and C1 in out and "\\udcff" in out
