"""Applications in repositories of their own, listed by a workflow file outside all of them
(issue 7, item 4): each application's commit, base, change set and coverage map are its own.

Before, the commit came from the workflow file's folder: outside git the coverage map was stored
under commit '' and never used, so every selection fell back to the import graph.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap

import pytest
from select_repo import APP, Repo, ids, reasons

REFUND = {
    "tests/test_processor.py::test_refund[1]",
    "tests/test_processor.py::test_refund[2]",
    "tests/test_helpers.py::test_refund_twice",
}

WORKFLOW = """
    applications:
      payments:
        path: payments
        runner: {pytest: {}}
      billing:
        path: billing
        runner: {pytest: {}}
"""


@pytest.fixture
def workspace(tmp_path):
    """A plain folder with the workflow file and two applications, each its own git repo."""
    (tmp_path / "orch.yaml").write_text(textwrap.dedent(WORKFLOW))
    repos = {}
    for name in ("payments", "billing"):
        repo = Repo(tmp_path / name)
        repo.base = repo.init(APP)
        repos[name] = repo
    repos["billing"].edit("src/payment/audit.py", "audit: ", "billing audit: ")
    repos["billing"].edit("tests/test_audit.py", "audit: x", "billing audit: x")
    repos["billing"].base = repos["billing"].commit("billing differs")
    return Repo(tmp_path), repos


def test_coverage_is_recorded_and_used_per_repository(workspace):
    top, repos = workspace
    recorded = top.orch("run", "--record-coverage")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    with sqlite3.connect(top.root / ".orch" / "orch.db") as db:
        commits = dict(db.execute('SELECT app, "commit" FROM coverage_maps'))
    assert commits == {name: repo.base for name, repo in repos.items()}

    repos["payments"].edit(
        "src/payment/processor.py", "return -rounded(amount, code)", "return -abs(amount)"
    )
    done = top.orch("select", "--format", "json")
    assert done.returncode == 0, done.stderr
    selection = json.loads(done.stdout)
    assert ids(selection) == REFUND
    assert reasons(selection)["tests/test_processor.py::test_refund[1]"] == [
        "covers src/payment/processor.py:11-11, changed"
    ]
    apps = selection["apps"]
    assert apps["payments"]["base"] == repos["payments"].base
    assert apps["billing"]["base"] == repos["billing"].base
    assert apps["billing"]["selected"] == 0
    assert selection["base"] == ""

    printed = top.orch("select").stdout
    assert "payments: 3 of 8 tests" in printed
    assert f"  changes from {repos['payments'].base[:12]} to the working tree" in printed
    assert f"  changes from {repos['billing'].base[:12]} to the working tree" in printed


def test_a_run_records_the_commits_of_its_repositories(workspace):
    top, repos = workspace
    done = top.orch("run", "--format", "json")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(top.root / ".orch" / "orch.db") as db:
        [(commit,)] = db.execute('SELECT "commit" FROM runs')
    assert commit == "+".join(sorted(repo.base for repo in repos.values()))
