"""A service that dies during the run, on fakes through the real run: the shards using its
environment are killed, the environment is replaced once and the unfinished tests re-run on it;
a second death or a failing replacement makes them errors and the run exit 4. What the services
use is written beside the run, where ``orch status`` reads it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fake_run import fake_session

from orch.core import Workflow, run_status
from orch.core.environment.session import EnvironmentSession
from orch.core.run.environment_usage import usage_file
from orch.core.shared.outcomes import ExitCode
from orch.ports import (
    Application,
    ConfigError,
    EnvironmentSpec,
    Execution,
    PortMapping,
    ServiceSpec,
)
from orch.testing.fake_provisioner import FakeProvisioner
from orch.testing.fake_runner import HANG, HANG_ONCE, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore

DIED = "environment 'it': service 'db' died during the run"


def _run(tmp_path: Path, command: tuple[str, ...], second: str, lone_apps: int = 0):
    """App ``pay`` (one worker: one shard) runs t1, then t2 does ``second``, then t3, against
    environment ``it`` whose one service does ``command``."""
    db = ServiceSpec("db", "postgres", command=command, ports=(PortMapping(5432),))
    spec = EnvironmentSpec("it", (db,))
    pay = Application("pay", tmp_path, "fake", environment="it")
    workflow = Workflow(
        applications=(pay,), environments=(spec,), execution=Execution(workers=1), root=tmp_path
    )
    fake = FakeProvisioner()
    environments = EnvironmentSession(
        {"it": spec}, [fake], state_dir=tmp_path / ".orch", root=tmp_path, reaper=False
    )
    tests = [FakeTest("t1"), FakeTest("t2", (second,)), FakeTest("t3")]
    runner = FakeRunner({"pay": tests})
    store = FakeStore()
    session = fake_session(
        workflow, runner, store=store, clock=time.monotonic, environments=environments
    )
    return session.execute(), runner, fake, store


def _outcomes(result) -> dict[str, str]:
    return {r.nodeid: r.outcome.value for r in result.results}


def test_a_dead_service_is_replaced_once_and_the_unfinished_tests_rerun_on_it(tmp_path: Path):
    result, runner, fake, store = _run(tmp_path, ("die", "0.3", "then", "serve"), HANG_ONCE)
    assert result.exit_code is ExitCode.OK
    assert _outcomes(result) == {"t1": "passed", "t2": "passed", "t3": "passed"}
    assert runner.commands == [("t1", "t2", "t3"), ("t2", "t3")]
    assert all(r.attempt == 1 for r in result.results)
    assert [name for _, name, _ in fake.started] == ["db", "db"]
    first_owner, second_owner = (owner for owner, _, _ in fake.started)
    assert first_owner != second_owner  # the dead one's reaper must not find the replacement
    first, again = (env["ORCH_DB_PORT"] for env in runner.envs)
    assert first != again  # the re-run got the replacement's address
    line = f"{DIED} (exited with status 1); replaced, re-running 2 tests"
    assert line in result.problems
    logs = tmp_path / ".orch" / "service-logs" / result.run_id
    assert (logs / "it.died" / "db.log").read_text() == "hello \n"
    assert (logs / "it" / "db.log").exists()
    assert fake.owners() == []
    [used] = run_status(store, result.run_id, tmp_path / ".orch").environments
    assert (used.name, used.state, used.replaced) == ("it", "down", 1)
    [db] = used.services
    assert db.cpu_seconds > 0 and db.memory > 0 and db.peak_memory >= db.memory


def test_a_second_death_errors_the_unfinished_tests_and_exits_4(tmp_path: Path):
    result, runner, fake, _ = _run(tmp_path, ("die", "0.3"), HANG)
    assert result.exit_code is ExitCode.ENVIRONMENT_ERROR
    assert _outcomes(result) == {"t1": "passed", "t2": "error", "t3": "error"}
    errors = [r for r in result.results if r.outcome.value == "error"]
    message = f"{DIED}: exited with status 1"
    assert {r.message for r in errors} == {message}
    assert {r.longrepr for r in errors} == {"hello \n"}
    assert f"{DIED} (exited with status 1); replaced, re-running 2 tests" in result.problems
    assert message in result.problems
    assert len(runner.commands) == 2
    assert fake.owners() == []


def test_a_replacement_that_cannot_start_errors_the_unfinished_tests(tmp_path: Path):
    command = ("die", "0.3", "then", "fail", "no", "room")
    result, _, fake, _ = _run(tmp_path, command, HANG_ONCE)
    assert result.exit_code is ExitCode.ENVIRONMENT_ERROR
    assert _outcomes(result) == {"t1": "passed", "t2": "error", "t3": "error"}
    [message] = {r.message for r in result.results if r.outcome.value == "error"}
    assert message == (
        f"{DIED}: exited with status 1; its replacement could not start: service 'db': no room"
    )
    assert message in result.problems
    assert fake.owners() == []


def test_the_shards_not_started_yet_wait_for_the_replacement(tmp_path: Path):
    """Two shards on one worker: the second is queued when the service dies, and starts only on
    the replacement (it gets the replacement's address)."""
    db = ServiceSpec("db", "postgres", command=("die", "0.3", "then", "serve"))
    spec = EnvironmentSpec("it", (db,))
    apps = tuple(Application(name, tmp_path, "fake", environment="it") for name in ("a", "b"))
    workflow = Workflow(
        applications=apps, environments=(spec,), execution=Execution(workers=1), root=tmp_path
    )
    environments = EnvironmentSession(
        {"it": spec}, [FakeProvisioner()], state_dir=tmp_path / ".orch", root=tmp_path, reaper=False
    )
    runner = FakeRunner({"a": [FakeTest("t", (HANG_ONCE,))], "b": [FakeTest("t")]})
    session = fake_session(workflow, runner, clock=time.monotonic, environments=environments)
    result = session.execute()
    assert result.exit_code is ExitCode.OK
    assert {(r.app, r.outcome.value) for r in result.results} == {("a", "passed"), ("b", "passed")}
    assert len(runner.commands) == 3
    assert f"{DIED} (exited with status 1); replaced, re-running 1 tests" in result.problems


def test_the_usage_file_orch_status_reads_names_itself_when_it_is_not_orchs(tmp_path: Path):
    result, _, _, store = _run(tmp_path, ("serve",), "passed")
    path = usage_file(tmp_path / ".orch", result.run_id)
    written = json.loads(path.read_text())
    assert written["it"]["state"] == "down" and written["it"]["services"]["db"]["memory"] > 0
    path.write_text('{"it": {"state": "up"}}')
    with pytest.raises(ConfigError, match=f"{path}: not the environments' usage orch writes"):
        run_status(store, result.run_id, tmp_path / ".orch")
