"""The pool of warm environments on the fake provisioner: a finished run's healthy environment
stays warm, the next run takes it (reset first) instead of starting one, parallel runs never
wait for each other, the pool holds at most ``size``, an unhealthy or unresettable one is
removed, an idle one expires, ``status`` shows it and ``prune(pool=True)`` empties it."""

from __future__ import annotations

import json
import logging
import stat
import threading
import time
from pathlib import Path

import pytest

from orch.core.bootstrap import Services
from orch.core.environment.owners import gone, held, owners_dir, prune
from orch.core.environment.session import EnvironmentSession
from orch.core.environment_commands import env_down, env_prune, env_status
from orch.core.plugins import load_registry
from orch.ports import EnvironmentSpec, Pool, PortMapping, ServiceSpec
from orch.testing.fake_provisioner import FakeProvisioner

RESET = 'echo "$ORCH_DB_PORT" >> resets.txt'


def _spec(size: int = 2, reset: tuple[str, ...] = (RESET,), idle: float = 60.0, *command: str):
    db = ServiceSpec("db", "docker", command=command or ("serve",), ports=(PortMapping(5432),))
    return EnvironmentSpec("it", (db,), Pool(size, reset, idle))


class Project:
    """A project folder whose runs use one fake provisioner (services live in this process)."""

    def __init__(self, root: Path, spec: EnvironmentSpec) -> None:
        self.root = root
        self.spec = spec
        self.fake = FakeProvisioner()
        self.state_dir = root / ".orch"

    def session(self, keep: bool = False) -> EnvironmentSession:
        return EnvironmentSession(
            {"it": self.spec},
            [self.fake],
            state_dir=self.state_dir,
            root=self.root,
            keep=keep,
            reaper=False,
        )

    def run(self, run: str) -> tuple[str, int]:
        """One whole run: the owner it used and the port its database had."""
        session = self.session()
        session.up("it", run)
        up, claimed = session.up_now["it"]
        session.close()
        return claimed.owner.id, up.endpoints["db"].ports[5432]

    def services(self) -> Services:
        return Services(
            load_registry(), None, None, None, None, self.state_dir, provisioners=[self.fake]
        )

    def states(self) -> list:
        """The states of the owners whose services are still here (the fake's reaper-less
        removal leaves the folders of removed ones, which ``status`` lists as leftovers)."""
        here = self.fake.owners()
        return [state for state in env_status(self.services()) if state.owner in here]

    def resets(self) -> list[str]:
        path = self.root / "resets.txt"
        return path.read_text().split() if path.exists() else []


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path, _spec())


def test_the_next_run_gets_the_warm_environment_reset_and_at_the_same_port(project: Project):
    first, port = project.run("run-1")
    assert project.fake.owners() and project.resets() == []
    second, again = project.run("run-2")
    assert (second, again) == (first, port)
    assert [name for _, name, _ in project.fake.started] == ["db"]  # started once
    assert project.resets() == [str(port)]  # with the environment's variables, in the root


def test_a_warm_environment_is_alive_to_prune_and_its_file_is_the_user_s_only(project: Project):
    owner_id, port = project.run("run-1")
    [owner] = project.fake.owners()
    assert not held(owner) and not gone(owner)
    assert prune([project.fake]) == []
    pool_file = owners_dir(project.state_dir) / owner_id / "pool.json"
    assert stat.S_IMODE(pool_file.stat().st_mode) == 0o600
    written = json.loads(pool_file.read_text())
    assert written["spec_hash"] == project.spec.spec_hash and written["released"]
    assert written["endpoints"]["db"]["host"] == "127.0.0.1"
    assert written["endpoints"]["db"]["ports"] == {"5432": port}


def test_parallel_runs_each_get_another_environment_and_none_waits(project: Project):
    project.run("run-1")
    sessions = [project.session() for _ in range(3)]
    threads = [
        threading.Thread(target=session.up, args=("it", f"run-{n}"))
        for n, session in enumerate(sessions, start=2)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 5
    owners = {session.up_now["it"][1].owner.id for session in sessions}
    assert len(owners) == 3  # one warm, two fresh
    for session in sessions:
        session.close()
    assert len(project.fake.owners()) == 2  # a pool of 2: the third was removed as before
    statuses = [state.state for state in project.states()]
    assert statuses == ["warm", "warm"]


def test_an_unhealthy_warm_environment_is_removed_and_a_fresh_one_started(project: Project):
    first, _ = project.run("run-1")
    for service in project.fake.services(project.fake.owners()[0]).values():
        service.stop(1)
    second, _ = project.run("run-2")
    assert second != first
    assert [owner.id for owner in project.fake.owners()] == [second]
    assert project.resets() == []


def test_a_failing_reset_is_said_in_one_line_with_its_output_and_the_next_is_tried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    failing = ("echo cleaning; echo 'relation \"t\" does not exist' >&2; exit 3",)
    project = Project(tmp_path, _spec(reset=failing))
    first, _ = project.run("run-1")
    with caplog.at_level(logging.WARNING, "orch.environment.pool"):
        second, _ = project.run("run-2")
    assert second != first
    [said] = [record.getMessage() for record in caplog.records]
    assert "\n" not in said
    assert f"environment 'it': warm {first} not used: reset 'echo cleaning;" in said
    assert 'exited with status 3: cleaning | relation "t" does not exist; removed it' in said
    assert [owner.id for owner in project.fake.owners()] == [second]


def test_an_environment_idle_longer_than_its_pool_allows_is_pruned(tmp_path: Path):
    project = Project(tmp_path, _spec(idle=0.2))
    project.run("run-1")
    [owner] = project.fake.owners()
    assert not gone(owner)
    time.sleep(0.3)
    assert gone(owner)
    assert prune([project.fake]) == ["service db"]
    assert project.states() == []


def test_a_kept_session_neither_takes_from_the_pool_nor_gives_back(project: Project):
    project.run("run-1")
    session = project.session(keep=True)
    session.up("it", "env-1")
    kept = session.up_now["it"][1].owner.id
    session.close()
    states = {state.owner.id: state.state for state in project.states()}
    assert states == {"run-1-it": "warm", kept: "kept"}


def test_status_shows_warm_ones_idle_and_the_run_using_one(project: Project):
    project.run("run-1")
    project.run("run-2")
    session = project.session()
    session.up("it", "run-3")
    [state] = project.states()
    assert (state.state, state.used_by, state.owner.run) == ("in use", "run-3", "run-1")
    assert state.as_json()["pool"] == {"size": 2, "idle": 60.0}
    session.close()
    [state] = project.states()
    assert (state.state, state.used_by) == ("warm", "run-3")
    assert state.idle is not None and 0 <= state.idle < 5
    shown = state.as_json()
    assert shown["used_by"] == "run-3" and isinstance(shown["idle_seconds"], float)
    assert shown["services"]["db"]["url"].startswith("http://127.0.0.1:")


def test_prune_with_pool_empties_it_but_leaves_one_in_use_alone(project: Project):
    project.run("run-1")
    project.run("run-2")
    busy = project.session()
    busy.up("it", "run-3")  # takes the warm one
    project.run("run-4")  # a fresh one, given back warm
    assert env_prune(project.services()) == []
    assert env_prune(project.services(), pool=True) == ["service db"]
    [state] = project.states()
    assert state.state == "in use"
    busy.close()
    assert "removed service db" in env_down(project.services(), "it")
    assert project.fake.owners() == []


def test_a_warm_environment_that_cannot_be_asked_is_removed_and_a_fresh_one_started(
    project: Project, caplog: pytest.LogCaptureFixture
):
    class Unreachable(FakeProvisioner):
        def services(self, owner):
            raise OSError("the engine went away\nmid-answer")

    project.fake = Unreachable()
    first, _ = project.run("run-1")
    with caplog.at_level(logging.WARNING, "orch.environment.pool"):
        second, _ = project.run("run-2")
    assert second != first
    [said] = [record.getMessage() for record in caplog.records]
    assert said.endswith("not used: OSError: the engine went away mid-answer; removed it")
