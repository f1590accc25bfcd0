"""An ``orch`` measured by coverage.py (its start-up hook, ``COVERAGE_PROCESS_START``) has the
shards it starts measured too, as scripts/test measures orch's own suite: the hook's variables
pass the executor's clean environment, and a shard recording per-test coverage for orch
(``--record-coverage``) still saves the measuring coverage.py's data."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from coverage import CoverageData
from git_repo import GitRepo
from orch_cli import ORCH

import orch.adapters.pytest as pytest_adapter

INJECT = Path(pytest_adapter.__file__).parent / "inject"
PLUGIN = str(INJECT / "orch_pytest_events.py")

PROJECT = {"tests/test_one.py": "def test_one():\n    assert 1 + 1 == 2\n"}


def measured_run(project: Path, *args: str) -> set[int]:
    """Run ``orch run`` measured with the event plugin's folder as source; the plugin's lines the
    measured processes (orch and its shards) saved."""
    data = project.parent / "measured"
    rc = project.parent / "measuring.ini"
    rc.write_text(f"[run]\nparallel = true\ndata_file = {data}/data\nsource = {INJECT}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "ORCH_HOME"))}
    env["COVERAGE_PROCESS_START"] = str(rc)  # only this hook, not the suite's own measurement
    done = subprocess.run(
        [ORCH, "run", ".", *args], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines: set[int] = set()
    for path in data.glob("data.*"):
        recorded = CoverageData(str(path))
        recorded.read()
        lines |= set(recorded.lines(PLUGIN) or ())
    return lines


def line_holding(code: str) -> int:
    """The number of the plugin's line holding ``code``."""
    text = Path(PLUGIN).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(text, 1) if code in line)


def test_the_shards_of_a_measured_orch_are_measured(tmp_path: Path) -> None:
    project = tmp_path / "project"
    GitRepo(project).init(PROJECT)
    lines = measured_run(project)
    assert line_holding("self.carried = 0.0  # what a test") in lines, "the shard saved no data"


def test_a_shard_recording_coverage_for_orch_still_saves_the_measuring_data(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    GitRepo(project).init(PROJECT)  # what orch records coverage against
    lines = measured_run(project, "--record-coverage")
    assert line_holding('worker = getattr(config, "workerinput", None)') in lines
    # run after orch's own Coverage stopped: the measuring one saved what came after it
    assert line_holding("self.cov.save()") in lines
