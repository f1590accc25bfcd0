"""``orch run`` end to end on real pytest projects: counts, options, reports, exit codes."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

from orch_cli import outcomes, tagged_processes, write_files

PROJECT = {
    "tests/test_math.py": """
        import pytest

        def test_adds():
            assert 1 + 1 == 2

        def test_breaks():
            assert 2 * 2 == 5, "arithmetic is broken"

        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_square(n):
            assert n * n >= n

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.mark.xfail(reason="known bug")
        def test_known_bug():
            assert False
    """,
    "tests/test_io.py": """
        def test_prints(capsys):
            print("hello <out>")
            assert True
    """,
}


def test_orch_run_dot_matches_pytest_and_writes_reports(tmp_path, orch):
    write_files(tmp_path, PROJECT)
    junit, report_path = tmp_path / "out" / "junit.xml", tmp_path / "out" / "report.json"
    code, report = orch.json(".", "-n", "2", "--junit-xml", str(junit), "--json", str(report_path))
    assert code == 1
    assert report["summary"]["passed"] == 5 and report["summary"]["failed"] == 1
    assert report["summary"]["skipped"] == 1 and report["summary"]["xfailed"] == 1
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "1 failed, 5 passed, 1 skipped, 1 xfailed" in plain.stdout
    broken = next(t for t in report["tests"] if t["nodeid"].endswith("test_breaks"))
    assert "arithmetic is broken" in broken["message"]
    assert broken["id"] == f"{tmp_path.name}::tests/test_math.py::test_breaks"
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "8" and suite.get("failures") == "1"
    assert report_path.is_file()


def test_text_summary_names_failures_and_totals(tmp_path, orch):
    write_files(tmp_path, PROJECT)
    done = orch("run", ".")
    assert done.returncode == 1
    assert "FAILED" in done.stdout and "test_breaks" in done.stdout
    assert "arithmetic is broken" in done.stdout
    assert "5 passed, 1 failed, 1 skipped, 1 xfailed" in done.stdout


def test_all_green_exits_zero_and_no_tests_exits_five(tmp_path, orch):
    write_files(tmp_path, {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    assert orch("run", ".").returncode == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert orch("run", str(empty)).returncode == 5


def test_retries_mark_pass_on_retry_as_flaky(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "tests/test_flaky.py": """
                from pathlib import Path

                def test_eventually(tmp_path_factory):
                    marker = Path(__file__).with_name("seen")
                    first = not marker.exists()
                    marker.write_text("x")
                    assert not first, "cold start"

                def test_never():
                    assert False
            """
        },
    )
    code, report = orch.json(".", "--retries", "2")
    assert code == 1
    tests = {t["nodeid"]: t for t in report["tests"]}
    flaky = tests["tests/test_flaky.py::test_eventually"]
    assert flaky["outcome"] == "flaky" and flaky["attempts"] == 2
    assert "cold start" in flaky["message"]
    assert tests["tests/test_flaky.py::test_never"]["attempts"] == 3


def test_per_test_timeout_kills_the_hung_test_and_the_rest_still_count(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "tests/test_hang.py": """
                import subprocess, time

                def test_before():
                    pass

                def test_hangs():
                    subprocess.Popen(["sleep", "300"])
                    time.sleep(300)

                def test_after():
                    pass
            """
        },
    )
    code, report = orch.json(".", "--timeout", "1.5", "-n", "1")
    assert code == 1
    assert outcomes(report) == {
        "tests/test_hang.py::test_before": "passed",
        "tests/test_hang.py::test_hangs": "timeout",
        "tests/test_hang.py::test_after": "passed",
    }
    hung = next(t for t in report["tests"] if t["outcome"] == "timeout")
    assert "per-test timeout of 1.5s" in hung["message"]
    assert tagged_processes(report["run"]["id"]) == [], "the hung test's child survived"


def test_a_process_that_dies_mid_shard_loses_only_that_test(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "tests/test_crash.py": """
                import ctypes, os

                def test_one():
                    pass

                def test_exits():
                    os._exit(3)

                def test_two():
                    pass

                def test_segfaults():
                    ctypes.string_at(0)

                def test_three():
                    pass
            """
        },
    )
    code, report = orch.json(".", "-n", "1")
    assert code == 1
    got = outcomes(report)
    assert got["tests/test_crash.py::test_exits"] == "error"
    assert got["tests/test_crash.py::test_segfaults"] == "error"
    assert [got[f"tests/test_crash.py::test_{n}"] for n in ("one", "two", "three")] == [
        "passed"
    ] * 3
    messages = {t["nodeid"].split("::")[1]: t["message"] for t in report["tests"]}
    assert "exit code 3" in messages["test_exits"]
    assert "SIGSEGV" in messages["test_segfaults"]


def test_collection_errors_are_recorded_and_other_files_still_run(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "tests/test_good.py": "def test_fine():\n    pass\n",
            "tests/test_broken.py": "def test_x(:\n    pass\n",
        },
    )
    code, report = orch.json(".")
    assert code == 1
    got = outcomes(report)
    assert got["tests/test_good.py::test_fine"] == "passed"
    broken = [t for t in report["tests"] if "test_broken" in t["nodeid"]]
    assert broken and broken[0]["outcome"] == "error"
    assert "SyntaxError" in broken[0]["message"] + broken[0]["longrepr"]
