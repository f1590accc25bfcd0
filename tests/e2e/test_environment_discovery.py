"""An application whose conftest reads its environment's variables at import: its tests are
collected only once the environment is up, so a second run, with history to split it by, still
passes in several shards; where the tests must be listed first (``--lf``), the one line says why."""

from __future__ import annotations

import sys

from orch_cli import Orch, outcomes, write_files

CONFTEST = 'import os\nPORT = int(os.environ["WEB_PORT"])  # at import, as many conftests do\n'
TEST = """
import os, time
from conftest import PORT

def test_{n}():
    time.sleep(0.3)
    assert PORT > 0
    assert os.environ.get("FAIL") != "{n}"
"""


def _project(tmp_path):
    files = {f"api/tests/test_{n}.py": TEST.replace("{n}", str(n)) for n in range(6)}
    files["api/tests/conftest.py"] = CONFTEST
    files["orch.yaml"] = f"""
        execution: {{workers: 2}}
        applications:
          api:
            path: api
            runner: pytest
            environment: it
            env: {{WEB_PORT: "{{web.port}}", FAIL: "${{FAIL:-}}"}}
        environments:
          it:
            services:
              web:
                type: process
                command: [{sys.executable}, -m, http.server, "$ORCH_PORT", --bind, 127.0.0.1]
                ports: [8000]
    """
    return write_files(tmp_path, files)


def test_a_conftest_reading_the_environment_at_import_runs_in_shares(tmp_path, orch: Orch):
    _project(tmp_path)
    for _ in range(2):  # the second run has the first one's durations to split by
        code, report = orch.json(".")
        assert code == 0, report["problems"]
        assert set(outcomes(report).values()) == {"passed"}
    shards = tmp_path / ".orch" / "runs" / report["run"]["id"]
    assert sorted(path.name for path in shards.glob("api-*")) == ["api-0-a1", "api-1-a1"]


def test_listing_tests_first_says_the_environment_is_not_up_yet(tmp_path, orch: Orch, monkeypatch):
    _project(tmp_path)
    monkeypatch.setenv("FAIL", "3")
    code, report = orch.json(".")
    assert code == 1
    code, report = orch.json(".", "--lf")
    assert code != 0
    assert report["summary"]["queued"] == 0  # its one error stands for its tests
    (problem,) = report["problems"]
    assert "WEB_PORT" in problem
    assert "its environment 'it' is not up yet while orch lists the tests" in problem
