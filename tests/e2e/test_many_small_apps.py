"""Many small applications run as one pytest process each (discovered and run at once): counts,
retries and ``--resume`` after the orchestrator is killed are as with a separate discovery."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

from orch_cli import ORCH, write_files
from test_crash_safety import status, wait_for

APPS, PER_APP = 4, 5

COUNTING_CONFTEST = """
    from pathlib import Path

    ROOT = Path(__file__).parents[2]
    with (ROOT / "collections.log").open("a") as log:
        log.write(Path(__file__).parent.name + "\\n")
"""


def project(root: Path, sleep: float = 0.0, retries: int = 0) -> None:
    """``APPS`` applications of ``PER_APP`` tests each in one workflow; every test logs its run."""
    files = {
        "orch.yaml": "applications:\n"
        + "".join(f"  app{a}:\n    path: apps/app{a}\n    runner: pytest\n" for a in range(APPS))
        + f"execution: {{workers: 2, retries: {retries}}}\n"
    }
    for a in range(APPS):
        files[f"apps/app{a}/pytest.ini"] = "[pytest]\n"
        files[f"apps/app{a}/conftest.py"] = COUNTING_CONFTEST
        files[f"apps/app{a}/tests/test_app.py"] = (
            "import time\nfrom pathlib import Path\n\nLOG = Path(__file__).parents[3] / 'ran.log'\n"
            + "".join(
                f"\ndef test_{k}():\n    with LOG.open('a') as log:\n"
                f"        log.write('app{a}::{k}\\n')\n    time.sleep({sleep})\n"
                for k in range(PER_APP)
            )
        )
    write_files(root, files)


def test_small_apps_are_discovered_and_run_in_one_process_each(tmp_path, orch):
    project(tmp_path, retries=1)
    # a flaky test: fails on its first run only
    flaky = tmp_path / "apps/app1/tests/test_flaky.py"
    flaky.write_text(
        "from pathlib import Path\n\nMARK = Path(__file__).with_name('failed-once')\n\n"
        "def test_flaky():\n    if not MARK.exists():\n        MARK.write_text('x')\n"
        "        assert False, 'first run'\n"
    )
    code, report = orch.json("-w", "orch.yaml")
    assert code == 0, report
    assert report["summary"]["passed"] == APPS * PER_APP
    assert report["summary"]["flaky"] == 1
    assert len(report["tests"]) == APPS * PER_APP + 1
    collections = (tmp_path / "collections.log").read_text().split()
    # one process per app, plus the retry of the flaky test: no separate collection
    assert sorted(collections) == sorted([f"app{a}" for a in range(APPS)] + ["app1"])
    shards = sorted(p.name for p in (tmp_path / ".orch/runs" / report["run"]["id"]).iterdir())
    assert [s for s in shards if s.endswith("-0-a1")] == [f"app{a}-0-a1" for a in range(APPS)]

    # the second run has history: each app is still far below a process start-up
    (tmp_path / "collections.log").unlink()
    code, again = orch.json("-w", "orch.yaml")
    assert code == 0 and again["summary"]["passed"] == APPS * PER_APP + 1
    assert sorted((tmp_path / "collections.log").read_text().split()) == [
        f"app{a}" for a in range(APPS)
    ]


def test_a_killed_run_of_small_apps_resumes_to_the_uninterrupted_totals(tmp_path, orch):
    project(tmp_path, sleep=0.3)
    total = APPS * PER_APP
    env = {k: v for k, v in os.environ.items() if k != "ORCH_HOME"}
    running = subprocess.Popen(
        [ORCH, "run", "-w", "orch.yaml"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )

    def planned(counts: dict) -> int:
        return counts["queued"] + counts["running"] + counts["passed"]

    def collected_and_running(s: dict | None) -> dict | None:
        # between one app's shard ending and the next reporting its collection, all planned
        # tests have passed: wait for a moment when a shard has collected and is running
        counts = s["counts"] if s else None
        busy = counts and counts["passed"] >= 6 and planned(counts) > counts["passed"]
        return s if busy else None

    live = wait_for(lambda: collected_and_running(status(tmp_path)))
    counts = live["counts"]
    assert planned(counts) % PER_APP == 0, f"collected tests: {counts}"
    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    run_id = live["run"]
    before = recorded(tmp_path, run_id)
    assert 6 <= len(before) < total

    code, report = orch.json("-w", "orch.yaml", "--resume", run_id)
    assert code == 0, report
    assert report["summary"]["passed"] == total and len(report["tests"]) == total
    assert len({t["id"] for t in report["tests"]}) == total, "no test recorded twice"
    ran = (tmp_path / "ran.log").read_text().split()
    assert set(ran) == {f"app{a}::{k}" for a in range(APPS) for k in range(PER_APP)}
    for app, nodeid in before:
        name = f"{app}::{nodeid.rsplit('_', 1)[1]}"
        assert ran.count(name) == 1, f"{name} was recorded before the kill yet ran again"


def recorded(root: Path, run_id: str) -> set[tuple[str, str]]:
    """(app, nodeid) of every test the store holds a final result for, read-only."""
    with sqlite3.connect(f"file:{root / '.orch' / 'orch.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT app, nodeid FROM results WHERE run_id = ?", (run_id,))
        return {(app, nodeid) for app, nodeid in rows.fetchall()}


def test_coverage_is_recorded_by_an_app_run_in_one_process(tmp_path, orch):
    write_files(
        tmp_path,
        {
            ".gitignore": "__pycache__/\n.orch/\n",
            "pytest.ini": "[pytest]\npythonpath = src\n",
            "src/lib/__init__.py": "def f(x):\n    return x + 1\n\n\ndef g(x):\n    return x * 2\n",
            "tests/test_lib.py": "from lib import f, g\n\n\ndef test_f():\n    assert f(1) == 2\n"
            "\n\ndef test_g():\n    assert g(2) == 4\n",
        },
    )
    git = ["git", "-c", "user.email=orch@example.com", "-c", "user.name=orch"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "lib"], cwd=tmp_path, check=True)
    code, report = orch.json(".", "-n", "1", "--record-coverage")  # one worker: one process
    assert code == 0 and report["summary"]["passed"] == 2
    shards = (tmp_path / ".orch/runs" / report["run"]["id"]).glob("*-a1")
    assert [p.name for p in shards] == [f"{tmp_path.name}-0-a1"]
    lib = tmp_path / "src/lib/__init__.py"
    lib.write_text(lib.read_text().replace("x * 2", "x * 3"))
    selected = orch("select", ".", "--base", "HEAD", "--format", "json")
    assert selected.returncode == 0, selected.stderr
    assert "tests/test_lib.py::test_g" in selected.stdout
    assert "tests/test_lib.py::test_f" not in selected.stdout
