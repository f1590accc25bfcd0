"""Issue 8 item 5: values a result file may hold that no report may repeat, and DOCTYPEs.

``time="inf"`` became a bare ``Infinity`` in the JSON report (invalid JSON); a 400-digit TestNG
``duration-ms`` raised OverflowError; a well-formed file with ``<!DOCTYPE testsuite SYSTEM
"http://..."> `` was rejected as "unexpected end of file (was the run killed while writing?)".
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch.adapters.junit import JUnitXmlParser, TestNGParser
from orch.core.report.files import write_json_report
from orch.core.run.session import RunResult
from orch.core.shared.outcomes import ExitCode, count
from orch.ports import Outcome, ResultFileError, TestResult

JUNIT = JUnitXmlParser()
NOT_DURATIONS = ["inf", "-inf", "Infinity", "1e999", "9" * 400, "nan", "NaN", "-1", "1e12", "x"]


def test_durations_that_are_no_time_are_unknown(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    cases = "".join(
        f'<testcase classname="a.B" name="t{n}" time="{time}"><failure message="no"/></testcase>'
        for n, time in enumerate(NOT_DURATIONS)
    )
    cases += '<testcase classname="a.B" name="ok" time="1,234.5"/>'  # Surefire's thousands
    path.write_text(f'<testsuite name="s">{cases}</testsuite>')
    results = JUNIT.parse(path, "shop")
    assert [r.duration for r in results] == [0.0] * len(NOT_DURATIONS) + [1234.5]
    report = tmp_path / "report.json"
    write_json_report(
        RunResult("r", tuple(results), count(results), ExitCode.OK, 1.0), report, None
    )
    json.loads(report.read_text(), parse_constant=pytest.fail)  # no Infinity, no NaN


def test_testng_durations_that_are_no_time_are_unknown(tmp_path: Path) -> None:
    path = tmp_path / "testng-results.xml"
    methods = "".join(
        f'<test-method status="PASS" name="m{n}" duration-ms="{ms}"/>'
        for n, ms in enumerate([*NOT_DURATIONS, "9" * 5000, "1500"])
    )
    path.write_text(f'<testng-results><class name="a.B">{methods}</class></testng-results>')
    results = TestNGParser().parse(path, "shop")
    assert [r.duration for r in results] == [0.0] * (len(NOT_DURATIONS) + 1) + [1.5]


def test_the_json_report_refuses_non_finite_numbers(tmp_path: Path) -> None:
    """A duration of inf from elsewhere must never be written as invalid JSON."""
    results = (TestResult("shop", "t", Outcome.PASSED, float("inf")),)
    with pytest.raises(ValueError, match="not JSON compliant"):
        write_json_report(
            RunResult("r", results, count(results), ExitCode.OK, 1.0), tmp_path / "r.json", None
        )


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server serving a DTD, and the paths anyone asked it for."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "FROM-THE-NETWORK">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()


@pytest.mark.parametrize("kind", ["SYSTEM", "PUBLIC"])
def test_a_doctype_naming_an_external_dtd_is_read_without_fetching_it(
    tmp_path: Path, dtd_server: tuple[str, list[str]], kind: str
) -> None:
    url, asked = dtd_server
    public = ' "-//Shop//DTD JUnit//EN"' if kind == "PUBLIC" else ""
    path = tmp_path / "junit.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE testsuite {kind}{public} "{url}/junit.dtd">\n'
        '<testsuite name="s"><testcase classname="a.B" name="c">'
        '<failure message="boom">&leak;</failure></testcase></testsuite>\n'
    )
    [result] = JUNIT.parse(path, "shop")
    assert (result.nodeid, result.outcome, result.message) == ("a.B.c", Outcome.FAILED, "boom")
    assert "FROM-THE-NETWORK" not in result.longrepr
    assert asked == [], "the DTD is never fetched"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE testsuite {kind}{public} "http://example.com/j.dtd">'
        '\n<testsuite name="s"><testcase classname="a.B" name="d"/></testsuite>\n'
    )
    assert [r.nodeid for r in JUNIT.parse(path, "shop")] == ["a.B.d"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_a_local_dtd_is_never_opened(tmp_path: Path) -> None:
    """A FIFO as the DTD: opening it would block for ever, so the parse proves it is not read."""
    fifo = tmp_path / "junit.dtd"
    os.mkfifo(fifo)
    path = tmp_path / "junit.xml"
    path.write_text(
        f'<!DOCTYPE testsuite SYSTEM "file://{fifo}"><testsuite>'
        '<testcase classname="a.B" name="c"/></testsuite>'
    )
    code = (
        "import sys; from pathlib import Path; from orch.adapters.junit import JUnitXmlParser;"
        "print(JUnitXmlParser().parse(Path(sys.argv[1]), 'shop')[0].nodeid)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "a.B.c"), done.stderr


def test_a_file_cut_after_its_root_closed_is_not_called_killed(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text("<testsuite><testcase classname='a' name='b'/></testsuite>\n<testsuite>")
    with pytest.raises(ResultFileError) as caught:
        JUNIT.parse(path, "shop")
    assert "killed" not in caught.value.reason
    assert caught.value.reason.startswith("not XML: Extra content at the end of the document")


def test_an_undefined_entity_is_named_not_called_a_cut(tmp_path: Path) -> None:
    """libxml2 reads past an undefined entity and fails only at the end: that was reported as
    "unexpected end of file (was the run killed while writing?)"."""
    path = tmp_path / "junit.xml"
    path.write_text(
        '<!DOCTYPE testsuite [<!ENTITY known "k">]>\n<testsuite>\n'
        '<testcase classname="a" name="b"><failure>&known; &unknown;</failure></testcase>\n'
        "</testsuite>\n"
    )
    with pytest.raises(ResultFileError) as caught:
        JUNIT.parse(path, "shop")
    assert caught.value.reason == "not XML: Entity 'unknown' not defined at line 3"
