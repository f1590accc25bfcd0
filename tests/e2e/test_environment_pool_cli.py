"""``orch run`` twice on an environment with a pool: the second run gets the first one's
services (PostgreSQL process, local process, container) warm at the same ports, its database
reset; ``orch env status`` shows the pool and ``orch env prune --pool`` leaves nothing."""

from __future__ import annotations

import json
import time

import docker
import pytest
from docker_images import busybox_image
from environment_project import environment_project, left_behind

POOL = """pool: {size: 1, reset: ['psql "$ORCH_DB_URL" -qc "TRUNCATE visits"'], idle: 600}"""


@pytest.fixture(scope="module")
def image() -> str:
    return busybox_image(docker.from_env())


def test_a_second_run_gets_the_warm_environment_reset_and_prune_pool_removes_it(
    tmp_path, orch, image, monkeypatch
):
    environment_project(tmp_path, image, pool=POOL)
    visits = tmp_path / "visits.txt"
    monkeypatch.setenv("VISITS", str(visits))
    runs = []
    for _ in range(2):
        done = orch("run", ".", "--format", "json")
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout)
        assert {t["outcome"] for t in report["tests"]} == {"passed"}
        runs.append(report["run"]["id"])
    first, second = visits.read_text().splitlines()
    assert first == second  # the same ports, and an empty table each time
    assert first.endswith(" 0")
    logs = tmp_path / ".orch" / "service-logs" / runs[1] / "it"
    assert sorted(path.name for path in logs.iterdir()) == ["box.log", "db.log", "web.log"]

    time.sleep(1)  # the second run's reaper has seen the lock go and left the warm one alone
    status = orch("env", "status")
    assert status.stdout.startswith(f"it  warm  (run {runs[1]})  idle "), status.stdout
    assert "pool it (spec " in status.stdout and ", size 1): 1 warm" in status.stdout
    [state] = json.loads(orch("env", "status", "--format", "json").stdout)
    assert (state["state"], state["run"], state["used_by"]) == ("warm", runs[0], runs[1])
    assert state["pool"] == {"size": 1, "idle": 600.0}
    assert sorted(state["services"]) == ["box", "db", "web"]
    assert left_behind(runs[0]) != []

    pruned = orch("env", "prune", "--pool")
    assert pruned.returncode == 0, pruned.stderr
    assert "removed container" in pruned.stdout and "removed process" in pruned.stdout
    assert left_behind(runs[0]) == []
    assert orch("env", "status").stdout.strip() == "no environments"
    assert orch("env", "prune", "--pool").stdout.strip() == "nothing to prune"
