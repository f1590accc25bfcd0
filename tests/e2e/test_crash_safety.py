"""Kill the orchestrator with SIGKILL mid-run: nothing is left running; --resume finishes the job.

Also watches the run from a second process with ``orch status`` while it goes on.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from orch_cli import ORCH, tagged_processes, write_files

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
    deadline = time.monotonic() + seconds
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
