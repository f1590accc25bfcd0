"""``orch run`` and ``orch env`` on real environments: a PostgreSQL process with a schema, a
busybox container built locally and a local process, wired by templates; what a test gets;
failures in one line; and nothing left behind, even when orch is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import docker
import pytest
from docker_images import busybox_image
from environment_project import box_started, environment_project, left_behind
from orch_cli import ORCH


@pytest.fixture(scope="module")
def image() -> str:
    return busybox_image(docker.from_env())


def _eventually_clean(prefix: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while left_behind(prefix) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left_behind(prefix) == []


def test_a_run_gets_its_services_and_leaves_nothing(tmp_path, orch, image):
    environment_project(tmp_path, image)
    done = orch("run", ".", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert {t["outcome"] for t in report["tests"]} == {"passed"}
    run = report["run"]["id"]
    _eventually_clean(run)
    logs = tmp_path / ".orch" / "service-logs" / run / "it"
    assert sorted(path.name for path in logs.iterdir()) == ["box.log", "db.log", "web.log"]
    kept = orch("env", "logs", "it", "web")  # the environment is gone: its run's copy
    assert kept.returncode == 0 and "GET /" not in kept.stderr


def test_a_service_that_never_gets_ready_is_one_line_and_exit_4(tmp_path, orch, image):
    environment_project(tmp_path, image, box_wait="wait: {log: {pattern: never, timeout: 1}}")
    done = orch("run", ".", "--format", "json")
    assert done.returncode == 4, done.stdout + done.stderr
    report = json.loads(done.stdout)
    messages = {t["message"] for t in report["tests"]}
    assert messages == {
        "environment 'it' could not start: service 'box': not ready after 1 s: "
        "a line matching 'never'"
    }
    _eventually_clean(report["run"]["id"])


@pytest.mark.parametrize("moment", ["provisioning", "test"])
def test_after_orch_is_killed_nothing_stays_behind(tmp_path, image, moment):
    wait = "wait: {log: {pattern: never, timeout: 60}}" if moment == "provisioning" else ""
    environment_project(tmp_path, image, box_wait=wait)
    marker = tmp_path / "marker"
    env = {**os.environ, "MARKER": str(marker)}
    env.pop("ORCH_HOME", None)
    orch = subprocess.Popen(
        [ORCH, "run", "."],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60

    def started() -> bool:
        if moment == "test":
            return marker.exists()
        return box_started(tmp_path)

    while not started() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started()
    orch.send_signal(signal.SIGKILL)
    orch.wait()
    runs = subprocess.run(
        [ORCH, "runs", "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    [run] = json.loads(runs.stdout)
    _eventually_clean(run["id"], seconds=30)
    owners = tmp_path / ".orch" / "environments"
    deadline = time.monotonic() + 10  # the reaper removes the owner's folder last
    while list(owners.glob("*/lock")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(owners.glob("*/lock")) == []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_run_stopped_by_sigterm_or_ctrl_c_removes_its_environment_itself(tmp_path, image, stop):
    environment_project(tmp_path, image)
    marker = tmp_path / "marker"
    env = {key: value for key, value in os.environ.items() if key != "ORCH_HOME"}
    orch = subprocess.Popen(
        [ORCH, "run", "."],
        cwd=tmp_path,
        env={**env, "MARKER": str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists()
    runs = subprocess.run(
        [ORCH, "runs", "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    [run] = json.loads(runs.stdout)
    orch.send_signal(stop)
    _, stderr = orch.communicate(timeout=60)
    assert orch.returncode == 130, stderr
    assert left_behind(run["id"]) == []  # removed by orch before it exited, not by the reaper


def test_env_up_status_down(tmp_path, orch, image):
    environment_project(tmp_path, image)
    up = orch("env", "up", "it", "--format", "json")
    assert up.returncode == 0, up.stderr
    [state] = json.loads(up.stdout)
    assert state["state"] == "kept"
    assert sorted(state["services"]) == ["box", "db", "web"]
    assert state["services"]["db"]["url"].startswith("postgresql://orch:orch@127.0.0.1:")
    time.sleep(1)  # the reaper has seen the lock go and left the kept environment alone
    status = orch("env", "status")
    assert status.stdout.startswith("it  kept  (run env-"), status.stdout
    assert left_behind(state["owner"]) != []
    logs = orch("env", "logs", "it", "db")
    assert "ready to accept connections" in logs.stdout, logs.stderr
    assert len(orch("env", "logs", "it", "db", "--tail", "2").stdout.splitlines()) == 2
    down = orch("env", "down", "it")
    assert down.returncode == 0, down.stderr
    assert "removed container" in down.stdout
    _eventually_clean(state["owner"])
    assert orch("env", "status").stdout.strip() == "no environments"
    again = orch("env", "down", "it")
    assert again.returncode == 2
    assert "no environment 'it' is up here" in again.stderr
    assert orch("env", "prune").stdout.strip() == "nothing to prune"
    nothing = orch("env", "logs", "it", "db")
    assert nothing.returncode == 2
    assert "no output of service 'db' of environment 'it' is here" in nothing.stderr
