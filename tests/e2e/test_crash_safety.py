"""Kill the orchestrator with SIGKILL mid-run: nothing is left running; --resume finishes the job.

Also watches the run from a second process with ``orch status`` while it goes on, and spoils
the store (cut short under a run, damaged, foreign, read-only): one line, exit 4, reports kept.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from git_repo import GitRepo
from orch_cli import ORCH, tagged_processes, write_files
from read_only import read_only
from wall_clock import budget

FILES, PER_FILE = 6, 5


def project(root: Path) -> None:
    body = (
        "import os, subprocess, time\n"
        "from pathlib import Path\n\n"
        "LOG = Path(__file__).parents[1] / 'ran.log'\n\n"
        "def record(name):\n"
        "    with LOG.open('a') as log:\n"
        "        log.write(name + '\\n')\n"
    )
    files = {}
    for f in range(FILES):
        tests = "".join(
            f"\ndef test_{k}():\n    record('f{f}::{k}')\n    time.sleep(0.25)\n"
            for k in range(PER_FILE)
        )
        files[f"tests/test_f{f}.py"] = body + tests
    # first in the first file, so it has run by the time six tests have passed
    files["tests/test_f0.py"] = files["tests/test_f0.py"].replace(
        "\ndef test_0():",
        "\ndef test_detached():\n"
        "    subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        "    record('f0::detached')\n"
        "\ndef test_0():",
        1,
    )
    write_files(root, files)


def status(root: Path) -> dict:
    """``orch status`` of the latest run, or {} before the run has been recorded."""
    done = subprocess.run(
        [ORCH, "status", "-C", str(root), "--format", "json"], capture_output=True, text=True
    )
    if done.returncode == 2 and "no run recorded yet" in done.stderr:
        return {}
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def wait_for(predicate, seconds: float = 30.0, step: float = 0.1):
    deadline = time.monotonic() + budget(seconds)
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not reached in {seconds}s (last: {value!r})")


def test_sigkill_leaves_nothing_behind_and_resume_gives_the_uninterrupted_totals(tmp_path, orch):
    project(tmp_path)
    total = FILES * PER_FILE + 1
    env = {k: v for k, v in os.environ.items() if k != "ORCH_HOME"}
    running = subprocess.Popen(
        [ORCH, "run", ".", "-n", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    # orch status, from another process, shows live counts and the tests running right now
    live = wait_for(
        lambda: (s := status(tmp_path)) and s["counts"]["passed"] >= 6 and s["running"] and s
    )
    assert live["status"] == "running"
    assert all(t["nodeid"].startswith("tests/test_f") for t in live["running"])
    run_id = live["run"]

    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    detached = wait_for(lambda: tagged_processes(run_id) or None, 5)
    # the shard processes die with the orchestrator; only a test's detached child may remain
    wait_for(lambda: all(_is_detached_sleep(pid) for pid in tagged_processes(run_id)), 5)
    before = status(tmp_path)
    assert before["status"] == "interrupted" and before["counts"]["passed"] < total
    recorded = recorded_tests(tmp_path, run_id)
    assert len(recorded) == before["counts"]["passed"]

    code, report = orch.json(".", "--resume", run_id)
    assert code == 0
    assert tagged_processes(run_id) == [], f"reaped on the next start: {detached}"
    assert report["run"]["id"] == run_id
    assert report["summary"]["passed"] == total and len(report["tests"]) == total
    assert len({t["id"] for t in report["tests"]}) == total, "no test recorded twice"

    ran = (tmp_path / "ran.log").read_text().split()
    assert set(ran) == {f"f{f}::{k}" for f in range(FILES) for k in range(PER_FILE)} | {
        "f0::detached"
    }
    names = {
        f"tests/test_f{f}.py::test_{k}": f"f{f}::{k}" for f in range(FILES) for k in range(PER_FILE)
    }
    names["tests/test_f0.py::test_detached"] = "f0::detached"
    for nodeid in recorded:
        assert ran.count(names[nodeid]) == 1, f"{nodeid} was recorded before the kill yet ran again"
    assert status(tmp_path)["status"] == "finished"


def recorded_tests(root: Path, run_id: str) -> set[str]:
    """Tests the store holds a final result for (read-only, as a second reader would)."""
    with sqlite3.connect(f"file:{root / '.orch' / 'orch.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT nodeid FROM results WHERE run_id = ?", (run_id,)).fetchall()
    return {nodeid for (nodeid,) in rows}


def _is_detached_sleep(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0] == b"sleep"
    except OSError:
        return True


def test_a_store_cut_short_while_a_run_writes_costs_the_record_not_the_reports(tmp_path):
    project(tmp_path)
    total = FILES * PER_FILE + 1
    reports = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
    # a store that held a run already: its pages are in the file, not only in the write-ahead
    # log (a store born in this run lives there whole, and cutting its file loses nothing)
    first = subprocess.run([ORCH, "run", ".", "-k", "test_f1 and test_1"], cwd=tmp_path, env=env)
    assert first.returncode == 0
    running = subprocess.Popen(
        [ORCH, "run", ".", "-n", "2", "--json", "reports/run.json", "--junit-xml", "reports/j.xml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    wait_for(lambda: (s := status(tmp_path)) and s["counts"]["passed"] >= 4)
    os.truncate(tmp_path / ".orch" / "orch.db", 0)
    out, err = running.communicate(timeout=120)

    assert running.returncode == 4, err
    assert "internal error" not in err and "Traceback" not in err
    report = json.loads((reports / "run.json").read_text())
    assert report["summary"]["passed"] == total and len(report["tests"]) == total
    assert report["run"]["exit_code"] == 4
    (lost,) = report["problems"]
    assert "its results were not stored (the reports hold them)" in lost
    assert "move it away" in lost
    assert (reports / "j.xml").read_text().count("<testcase") == total
    assert f"problem: run {report['run']['id']}: its results were not stored" in out
    assert f"{total} passed" in out.splitlines()[-1]


def small_project(root: Path) -> None:
    write_files(
        root,
        {
            "tests/test_small.py": """
                from pathlib import Path

                def test_records():
                    with (Path(__file__).parents[1] / "ran.log").open("a") as log:
                        log.write("ran\\n")

                def test_fails():
                    assert 1 == 2
            """
        },
    )


def one_error_line(done: subprocess.CompletedProcess, code: int, says: str) -> None:
    """The command failed with exit ``code`` and said only one line, containing ``says``."""
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("orch: error: "), done.stderr
    assert says in lines[0], lines[0]


def test_a_read_only_state_directory_serves_every_command_that_only_reads(tmp_path, orch):
    small_project(tmp_path)
    repo = GitRepo(tmp_path)
    repo.git("init", "-q", "-b", "main")
    repo.commit("tests")
    assert orch("run", ".").returncode == 1
    repo.edit("tests/test_small.py", "1 == 2", "1 == 3")  # something for `orch select` to see
    run_id = json.loads(orch("runs", "--format", "json").stdout)[0]["id"]
    (tmp_path / "ran.log").unlink()
    state = tmp_path / ".orch"
    with sqlite3.connect(state / "orch.db") as db:  # as a killed orchestrator leaves it
        db.execute("UPDATE runs SET status = 'running'")
    with read_only(state, tmp_path / "probe") as prefix:

        def command(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [*prefix, ORCH, *args, "-C", str(tmp_path)], capture_output=True, text=True
            )

        for args in (["runs"], ["status"], ["status", run_id], ["triage", "--run", run_id]):
            done = command(*args)
            assert done.returncode == 0, (args, done.stderr)
            assert run_id in done.stdout or "assert 1 == 2" in done.stdout, args
        shown = json.loads(command("status", "--format", "json").stdout)
        assert shown["status"] == "interrupted", "its lock, read-only, is free"
        selected = command("select")
        assert selected.returncode == 0 and "test_small.py" in selected.stdout, selected.stderr
        one_error_line(command("run"), 4, f"{state / 'orch.db'} is read-only")
    assert not (tmp_path / "ran.log").exists(), "no test ran"


def foreign(path: Path) -> None:
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (x)")
    db.commit()
    db.close()


def heavily_damaged(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096:] = bytes(len(data) - 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("spoil", [foreign, heavily_damaged])
def test_a_foreign_or_damaged_store_is_one_line_and_exit_4(tmp_path, orch, spoil):
    small_project(tmp_path)
    orch("run", ".")
    (tmp_path / "ran.log").unlink()
    spoil(tmp_path / ".orch" / "orch.db")
    for args in (["runs"], ["status"], ["run", "."], ["select"]):
        one_error_line(orch(*args), 4, "is not a readable orch database")
    assert not (tmp_path / "ran.log").exists(), "no test ran"


def test_a_report_that_cannot_be_written_is_refused_before_any_test_runs(tmp_path, orch):
    small_project(tmp_path)
    too_long = "r" * 250 + ".json"  # a legal name, but not the temporary file beside it
    one_error_line(orch("run", ".", "--json", too_long), 2, f"--json {too_long}: cannot write")
    nested = f"reports/{'d' * 300}/run.xml"
    one_error_line(orch("run", ".", "--junit-xml", nested), 2, "cannot write there")
    assert not (tmp_path / "ran.log").exists(), "no test ran"
    assert not (tmp_path / "reports").exists(), "the probe leaves nothing behind"


def test_a_report_folder_spoiled_during_the_run_is_said_with_the_results(tmp_path, orch):
    """Checked before the run, the folder can still go bad while it runs: exit 4 with the
    summary and the other report, never an internal error that shows nothing."""
    write_files(
        tmp_path,
        {
            "tests/test_spoil.py": """
                from pathlib import Path

                def test_takes_the_reports_folder():
                    (Path(__file__).parents[1] / "reports").write_text("a file now")
            """
        },
    )
    done = orch("run", ".", "--json", "reports/run.json", "--junit-xml", "j.xml")
    assert done.returncode == 4, done.stderr
    assert "internal error" not in done.stderr
    assert "problem: reports/run.json: the report could not be written" in done.stdout
    assert "1 passed" in done.stdout.splitlines()[-1]
    assert (tmp_path / "j.xml").read_text().count("<testcase") == 1
