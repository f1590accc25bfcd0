"""Issue 7, item 9: the life of a run as ``orch run``, ``orch runs`` and ``orch status`` tell it.

A killed run reads the same in both listings; a closed pipe is no error; Ctrl-C stops a run with
exit 130, a partial summary and the resume hint; a finished run is not resumed; report paths and
interpreters are checked before any test runs; ``orch runs`` shows counts, duration and commit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from orch_cli import ORCH, tagged_processes, write_files

SLOW = {
    f"tests/test_s{f}.py": "import time\n"
    + "".join(f"\ndef test_{k}():\n    time.sleep(0.4)\n" for k in range(4))
    for f in range(3)
}

WAITING = """
    import pathlib, time

    def test_quick():
        pass

    def test_waits_for_go():
        go = pathlib.Path(__file__).parents[1] / "go"
        while not go.exists():
            time.sleep(0.05)
"""
"""Two files of a quick test and one that runs until the test creates ``go``."""


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}


def start(root, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [ORCH, "run", ".", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


def json_of(orch, *args: str):
    done = orch(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def wait_for(predicate, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not reached in {seconds}s")


def passed_so_far(orch) -> int:
    done = orch("status", "--format", "json")
    return json.loads(done.stdout)["counts"]["passed"] if done.returncode == 0 else 0


def test_a_killed_run_is_interrupted_in_orch_runs_as_in_orch_status(tmp_path, orch):
    write_files(tmp_path, SLOW)
    running = start(tmp_path, "-n", "1")
    wait_for(lambda: passed_so_far(orch) >= 2)
    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    status = json_of(orch, "status")
    [listed] = json_of(orch, "runs")
    assert status["status"] == listed["status"] == "interrupted"
    assert f"{listed['id']}  " in orch("runs").stdout and "interrupted" in orch("runs").stdout


def test_a_reader_that_goes_away_is_not_an_error(tmp_path, orch):
    write_files(tmp_path, {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    assert orch("run", ".").returncode == 0
    for command in (["runs"], ["runs", "--format", "json"], ["status"], ["run", "."]):
        read, write = os.pipe()
        os.close(read)  # like `| head -1` once head has what it wants
        done = subprocess.run(
            [ORCH, *command], cwd=tmp_path, stdout=write, stderr=subprocess.PIPE, env=env()
        )
        os.close(write)
        assert done.returncode == 141, (command, done.stderr)
        assert b"orch: error" not in done.stderr, (command, done.stderr)
    shell = subprocess.run(
        f"{ORCH} runs | head -1", shell=True, cwd=tmp_path, capture_output=True, text=True
    )
    assert shell.returncode == 0 and shell.stderr == "" and shell.stdout.count("\n") == 1


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_exits_130_with_a_partial_summary_and_the_resume_hint(tmp_path, orch, stop):
    """Ctrl-C, and SIGTERM as a cancelled CI job sends it, stop the run the same resumable way."""
    write_files(tmp_path, {"tests/test_a.py": WAITING, "tests/test_b.py": WAITING})
    running = start(tmp_path, "-n", "2")

    def two_passed_two_running():
        done = orch("status", "--format", "json")
        status = json.loads(done.stdout) if done.returncode == 0 else {}
        live = status and status["counts"]["passed"] == 2 and len(status["running"]) == 2
        return status if live else None

    status = wait_for(two_passed_two_running)
    os.kill(running.pid, stop)
    out, err = running.communicate(timeout=30)
    run_id = status["run"]
    assert running.returncode == 130, err
    assert "2 passed in " in out and f"(run {run_id}, interrupted)" in out
    assert f"orch run --resume {run_id}" in err
    assert "internal error" not in err
    assert tagged_processes(run_id) == [], "Ctrl-C left test processes running"
    after = json_of(orch, "status")
    assert after["status"] == "interrupted" and after["running"] == []
    assert after["counts"]["passed"] == 2
    (tmp_path / "go").touch()
    resumed = orch("run", ".", "--resume", run_id)
    assert resumed.returncode == 0, resumed.stderr
    assert "4 passed in " in resumed.stdout and f"(run {run_id})" in resumed.stdout


def test_a_finished_run_is_not_resumed_and_keeps_its_end_time(tmp_path, orch):
    write_files(tmp_path, {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    assert orch("run", ".").returncode == 0
    [before] = json_of(orch, "runs")
    write_files(tmp_path, {"tests/test_new.py": "def test_new():\n    pass\n"})
    done = orch("run", ".", "--resume", before["id"])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"orch: error: run {before['id']} finished (exit code 0); only an interrupted run, one "
        "with a flow step that did not pass or one a quality gate failed can be resumed: start "
        "a new one with `orch run`"
    ]
    [after] = json_of(orch, "runs")
    assert after == before


def test_an_unwritable_report_path_is_reported_before_any_test_runs(tmp_path, orch):
    write_files(
        tmp_path,
        {"tests/test_ran.py": "import pathlib\n\ndef test_ran():\n    pathlib.Path('r').touch()\n"},
    )
    (tmp_path / "a-file").write_text("")
    for option, path, why in (
        ("--json", "a-file/report.json", "is not a directory"),
        ("--junit-xml", "/proc/orch-report.xml", "cannot write there"),
    ):
        done = orch("run", ".", option, path)
        assert done.returncode == 2, done.stderr
        [line] = done.stderr.strip().splitlines()
        assert line.startswith(f"orch: error: {option} {path}: ") and why in line
    assert not (tmp_path / "r").exists() and json_of(orch, "runs") == []


def test_a_missing_interpreter_is_one_line_and_exit_4(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "orch.yaml": """
                applications:
                  svc: {path: ., runner: {pytest: {python: .venv/bin/python}}}
            """,
            "tests/test_ok.py": "def test_ok():\n    pass\n",
        },
    )
    done = orch("run", ".")
    assert done.returncode == 4
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line == (
        f"orch: error: app 'svc': Python interpreter {tmp_path}/.venv/bin/python does not exist; "
        "fix runner.pytest.python in the workflow or create that environment"
    )


def test_orch_runs_shows_counts_duration_and_commit(tmp_path, orch):
    write_files(
        tmp_path,
        {"tests/test_x.py": "def test_a():\n    pass\n\ndef test_b():\n    assert False\n"},
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    commit = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert orch("run", ".").returncode == 1
    [run] = json_of(orch, "runs")
    assert run["commit"] == commit
    assert run["counts"]["passed"] == 1 and run["counts"]["failed"] == 1
    assert 0 < run["seconds"] == run["ended_at"] - run["started_at"]
    line = orch("runs").stdout.strip()
    assert commit[:12] in line and "1 passed, 1 failed" in line
    assert f"{run['seconds']:.1f}s" in line and "exit 1" in line
