"""The shard's raw output.log through the real CLI (issue 8, item 9: head and tail "everywhere"):
a test printing 100 MiB left a 101 MB ``.orch/runs/<run>/<shard>/output.log``, whether pytest
printed a failed test's captured output in its summary or the test printed straight to it
(``-s``). The log keeps its head and latest tail; crash diagnostics and results are unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from orch_cli import write_files

MIB = 1024 * 1024

LOUD_TESTS = {
    "tests/test_loud.py": """\
        import os, sys

        LINE = "x" * 1023 + "\\n"

        def test_loud_passes():
            for _ in range(24 * 1024):
                sys.stdout.write(LINE)

        def test_loud_fails():
            for _ in range(24 * 1024):
                sys.stdout.write(LINE)
            assert 0, "failed after 24 MiB"

        def test_quiet():
            pass
    """,
    "tests/test_crash.py": """\
        import os, sys

        def test_loud_then_dies():
            for _ in range(8 * 1024):
                sys.stdout.write("y" * 1023 + "\\n")
            sys.stdout.flush()
            sys.stderr.write("last words before os._exit\\n")
            sys.stderr.flush()
            os._exit(3)
    """,
}

LOG_BOUND = 4 * (65536 + 2 * 65536) + 256
"""The default execution.output (64 Ki characters each side) as bytes of log: head + 2 x tail."""


def logs(project: Path) -> list[Path]:
    return sorted((project / ".orch" / "runs").glob("*/*/output.log"))


def by_nodeid(report: dict) -> dict[str, dict]:
    return {test["nodeid"]: test for test in report["tests"]}


def test_a_failed_tests_captured_output_is_not_printed_into_the_log(tmp_path, orch):
    write_files(tmp_path, {"tests/test_loud.py": LOUD_TESTS["tests/test_loud.py"]})
    done = orch("run", ".", "--json", "r.json", "--keep-raw-output")
    assert done.returncode == 1, done.stderr
    tests = by_nodeid(json.loads((tmp_path / "r.json").read_text("utf-8")))
    assert {nodeid: test["outcome"] for nodeid, test in tests.items()} == {
        "tests/test_loud.py::test_loud_passes": "passed",
        "tests/test_loud.py::test_loud_fails": "failed",
        "tests/test_loud.py::test_quiet": "passed",
    }
    failed = tests["tests/test_loud.py::test_loud_fails"]
    assert "characters cut" in failed["stdout"] and failed["stdout"].endswith("x\n")
    assert failed["message"] == "AssertionError: failed after 24 MiB"
    sizes = [log.stat().st_size for log in logs(tmp_path)]
    assert sizes and max(sizes) < 64 * 1024, sizes  # was 25 MB: pytest's summary printed it all


def test_output_printed_straight_to_the_log_keeps_its_head_and_tail(tmp_path, orch):
    write_files(tmp_path, LOUD_TESTS)
    done = orch("run", ".", "--json", "r.json", "--keep-raw-output", "--", "-s")
    assert done.returncode == 1, done.stderr
    tests = by_nodeid(json.loads((tmp_path / "r.json").read_text("utf-8")))
    assert {nodeid: test["outcome"] for nodeid, test in tests.items()} == {
        "tests/test_loud.py::test_loud_passes": "passed",
        "tests/test_loud.py::test_loud_fails": "failed",
        "tests/test_loud.py::test_quiet": "passed",
        "tests/test_crash.py::test_loud_then_dies": "error",
    }
    crashed = tests["tests/test_crash.py::test_loud_then_dies"]
    shown = crashed["message"] + crashed["longrepr"]
    assert "last words before os._exit" in shown, "the crash tail is still read from the log"
    for log in logs(tmp_path):
        text = log.read_bytes()
        assert len(text) <= LOG_BOUND, (log, len(text))  # was 48 MB for test_loud.py
        if len(text) > 64 * 1024:
            assert text.startswith(b"=") and b"bytes of output cut by orch" in text
    crash_log = next(log for log in logs(tmp_path) if b"last words" in log.read_bytes())
    assert crash_log.read_bytes().endswith(b"last words before os._exit\n")
