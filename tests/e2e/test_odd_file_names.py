"""Test files with names that are not plain text, through the real CLI (issue 8): a name that is
not UTF-8 made ``orch run -n 2`` exit 3 (internal error) once the collection was cached; a
newline or a bidirectional override in a name must run and show escaped, never act."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

BODY = "def test_passes():\n    pass\n\ndef test_fails():\n    assert 0\n"

ODD_NAMES = {
    b"test_\xff.py": "tests/test_\\udcff.py",
    b"test_new\nline.py": "tests/test_new\\x0aline.py",
    "test_\u202egnp.py".encode(): "tests/test_\u202egnp.py",
}
"""Each file name as bytes on disk, and the file as orch names it (escaped where it must be)."""


@pytest.fixture
def odd_project(tmp_path: Path) -> Path:
    tests = tmp_path / "tests"
    tests.mkdir()
    for name in ODD_NAMES:  # bytes paths: the names need not be text
        with open(os.fsencode(tests) + b"/" + name, "w", encoding="utf-8") as file:
            file.write(BODY)
    (tests / "test_plain.py").write_text("def test_plain():\n    pass\n", encoding="utf-8")
    return tmp_path


def expected(outcome_of_fails: str = "failed") -> dict[str, str]:
    found = {"tests/test_plain.py::test_plain": "passed"}
    for shown in ODD_NAMES.values():
        found[f"{shown}::test_passes"] = "passed"
        found[f"{shown}::test_fails"] = outcome_of_fails
    return found


def outcomes(report: dict) -> dict[str, str]:
    return {test["nodeid"]: test["outcome"] for test in report["tests"]}


def test_odd_file_names_run_with_real_outcomes_in_every_report(odd_project, orch):
    """First run (no history: whole-app shares), then runs that discover from the collection
    cache and select tests by id (``--lf``): each ends with the tests' own outcomes."""
    first = orch("run", "-n", "2", ".", "--json", "out/r.json", "--junit-xml", "out/j.xml")
    assert first.returncode == 1, first.stderr
    assert outcomes(json.loads((odd_project / "out/r.json").read_text("utf-8"))) == expected()
    cases = {c.get("classname") for c in ET.parse(odd_project / "out/j.xml").iter("testcase")}
    assert "tests.test_\\udcff" in cases and "tests.test_new\\x0aline" in cases
    for _ in range(2):  # the second time, the collection comes from the cache it wrote
        again = orch("run", "-n", "2", ".", "--json", "out/r.json")
        assert again.returncode == 1, again.stderr
        assert outcomes(json.loads((odd_project / "out/r.json").read_text("utf-8"))) == expected()
    only_failed = orch("run", "-n", "2", "--lf", ".", "--json", "out/lf.json")
    assert only_failed.returncode == 1, only_failed.stderr
    report = json.loads((odd_project / "out/lf.json").read_text("utf-8"))
    assert outcomes(report) == {k: v for k, v in expected().items() if v == "failed"}
    with sqlite3.connect(odd_project / ".orch" / "orch.db") as db:
        stored = {row[0] for row in db.execute("select nodeid from results")}
    assert stored == set(expected()), "the store keeps each name distinct and as shown"


def test_odd_file_names_are_escaped_in_the_terminal(odd_project, orch):
    """No newline splits a test's line and no U+202E reorders it: both are shown as escapes."""
    done = orch("run", "-n", "2", ".")
    assert done.returncode == 1, done.stderr
    shown = done.stdout + done.stderr
    assert "\u202e" not in shown and "\udcff" not in shown
    for name in ODD_NAMES.values():
        escaped = name.replace("\u202e", "\\u202e")
        assert f"::{escaped}::test_fails" in shown, shown
    assert "Traceback" not in shown and "internal error" not in shown


def git(project: Path, *args: str) -> None:
    identity = ("-c", "user.email=orch@example.com", "-c", "user.name=orch")
    subprocess.run(["git", *identity, *args], cwd=project, check=True, capture_output=True)


def test_change_based_selection_and_coverage_name_odd_files_as_the_run_does(odd_project, orch):
    """Selection builds nodeids from the changed paths git reports and coverage records each
    test's lines under its nodeid: both must spell an odd name as the run does (coverage.py
    stopped pytest with an internal error on the raw name; selection selected ids no test had)."""
    (odd_project / ".gitignore").write_text("out/\n", encoding="utf-8")  # reports: no change
    git(odd_project, "init", "-q", ".")
    git(odd_project, "add", "-A")
    git(odd_project, "commit", "-q", "-m", "tests")
    recorded = orch("run", "-n", "2", "--record-coverage", ".", "--json", "out/cov.json")
    assert recorded.returncode == 1, recorded.stderr
    assert outcomes(json.loads((odd_project / "out/cov.json").read_text("utf-8"))) == expected()
    with open(os.fsencode(odd_project / "tests") + b"/test_\xff.py", "a") as file:
        file.write("# changed\n")
    selected = orch("run", "-n", "2", "--select", "changed", ".", "--json", "out/sel.json")
    assert selected.returncode == 1, selected.stderr
    report = json.loads((odd_project / "out/sel.json").read_text("utf-8"))
    assert outcomes(report) == {
        "tests/test_\\udcff.py::test_passes": "passed",
        "tests/test_\\udcff.py::test_fails": "failed",
    }
