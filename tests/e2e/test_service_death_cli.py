"""A service that dies during a real ``orch run`` (a process killed with SIGKILL, a container
with ``docker kill``) while a real pytest test waits on it: the environment is replaced once and
the unfinished tests re-run on it; killed again, they are errors and the run exits 4. ``orch
status`` shows what each environment's services use, during the run and after it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest
from docker_images import busybox_image
from environment_project import SERVE_PROCESS, left_behind
from orch_cli import ORCH, write_files

TESTS = """
import os, time, urllib.request
from pathlib import Path

def test_a_first():
    pass

def test_b_waits_for_its_service_to_die():
    markers = Path(os.environ["MARKERS"])
    seen = len(list(markers.iterdir()))
    (markers / str(seen)).touch()
    if seen < int(os.environ["SLEEPS"]):
        time.sleep(60)  # its shard is killed when the service dies
    with urllib.request.urlopen(os.environ["SVC_URL"], timeout=5) as answer:
        assert answer.status == 200

def test_c_last():
    pass
"""


HTTPD = "mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"


def _project(tmp_path: Path, service: str, image: str) -> Path:
    services = {
        "web": f'{{type: process, command: [{sys.executable}, -c, "{SERVE_PROCESS}"], '
        "ports: [8000]}",
        "box": f'{{type: docker, image: {image}, ports: [8080], command: [sh, -c, "{HTTPD}"]}}',
    }
    (tmp_path / "markers").mkdir()
    return write_files(
        tmp_path,
        {
            "api/tests/test_api.py": TESTS,
            "orch.yaml": f"""
                execution: {{workers: 1}}
                applications:
                  api:
                    path: api
                    runner: pytest
                    environment: it
                    env:
                      SVC_URL: "{{{service}.url}}/"
                      MARKERS: "{tmp_path / "markers"}"
                      SLEEPS: "${{SLEEPS:-1}}"
                environments:
                  it:
                    services:
                      {service}: {services[service]}
            """,
        },
    )


def _orch(tmp_path: Path, *args: str, sleeps: int = 1) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
    return subprocess.Popen(
        [ORCH, *args],
        cwd=tmp_path,
        env={**env, "SLEEPS": str(sleeps)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _status(tmp_path: Path) -> dict:
    done = subprocess.run(
        [ORCH, "status", "--format", "json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _await(check, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not (answer := check()):
        assert time.monotonic() < deadline, f"not true within {seconds} s: {check}"
        time.sleep(0.1)
    return answer


def _kill_process(run: str) -> None:
    """SIGKILL every process of service ``web`` of run ``run`` (found by orch's tag)."""
    killed = 0
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue
        tags = [v for v in environ.split(b"\0") if v.startswith(f"ORCH_TAG=env/{run}".encode())]
        if tags and tags[0].endswith(b"/web"):
            os.kill(int(entry.name), signal.SIGKILL)
            killed += 1
    assert killed


def _kill_container(run: str) -> None:
    client = docker.from_env()
    [box] = client.containers.list(filters={"label": [f"orch.run={run}", "orch.service=box"]})
    box.kill()


def _run_until(tmp_path: Path, kills: int, kill) -> tuple[subprocess.Popen, dict, dict]:
    """Run the project, kill its service each time test b waits (``kills`` times); returns
    the ended orch, its JSON report and the status shown while it ran."""
    orch = _orch(tmp_path, "run", ".", "--format", "json", sleeps=kills)
    markers = tmp_path / "markers"
    seen = {}
    for waits in range(1, kills + 1):
        _await(lambda waits=waits: len(list(markers.iterdir())) >= waits)
        seen = _await(lambda: (s := _status(tmp_path))["environments"] and s)
        kill(seen["run"])
    out, err = orch.communicate(timeout=120)
    assert out, err
    return orch, json.loads(out), seen


def _outcomes(report: dict) -> dict[str, str]:
    return {t["nodeid"].rsplit("::", 1)[1]: t["outcome"] for t in report["tests"]}


@pytest.fixture(scope="module")
def image() -> str:
    return busybox_image(docker.from_env())


@pytest.mark.parametrize("service", ["web", "box"])
def test_a_killed_service_is_replaced_and_the_unfinished_tests_rerun(tmp_path, image, service):
    _project(tmp_path, service, image)
    kill = _kill_process if service == "web" else _kill_container
    orch, report, seen = _run_until(tmp_path, 1, kill)
    assert orch.returncode == 0, report
    assert set(_outcomes(report).values()) == {"passed"}
    how = "killed by signal 9" if service == "web" else "exited with status 137"
    line = (
        f"environment 'it': service '{service}' died during the run ({how}); replaced, "
        "re-running 2 tests"
    )
    assert line in report["problems"]
    [watched] = seen["environments"]
    assert watched["name"] == "it" and watched["state"] == "up"
    [(name, used)] = watched["services"].items()
    assert name == service and used["memory"] > 0 and used["cpu_seconds"] >= 0
    shown = subprocess.run([ORCH, "status"], cwd=tmp_path, capture_output=True, text=True)
    assert "environment it (down, replaced 1x): cpu " in shown.stdout
    assert f"    {service}: cpu " in shown.stdout
    logs = tmp_path / ".orch" / "service-logs" / seen["run"]
    assert (logs / "it.died" / f"{service}.log").exists() and (logs / "it").is_dir()
    assert _await(lambda: left_behind(seen["run"]) == [], 20)


def test_a_service_killed_twice_errors_the_unfinished_tests_and_exits_4(tmp_path, image):
    _project(tmp_path, "web", image)
    orch, report, seen = _run_until(tmp_path, 2, _kill_process)
    assert orch.returncode == 4, report
    assert _outcomes(report) == {
        "test_a_first": "passed",
        "test_b_waits_for_its_service_to_die": "error",
        "test_c_last": "error",
    }
    message = "environment 'it': service 'web' died during the run: killed by signal 9"
    assert {t["message"] for t in report["tests"] if t["outcome"] == "error"} == {message}
    assert message in report["problems"]
    assert _await(lambda: left_behind(seen["run"]) == [], 20)
