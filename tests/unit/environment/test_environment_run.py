"""Environments as nodes of a run's plan, on fakes: the shards of an application wait for its
environment, get its addresses, and an environment that cannot start makes their tests errors
and the run an environment failure (exit 4); nothing stays up after the run."""

from __future__ import annotations

from pathlib import Path

from fake_run import fake_session

from orch.core import Workflow
from orch.core.environment.session import EnvironmentSession
from orch.core.shared.outcomes import ExitCode
from orch.ports import Application, EnvironmentSpec, Execution, PortMapping, ServiceSpec
from orch.ports.observer import Silent
from orch.testing.fake_provisioner import FakeProvisioner
from orch.testing.fake_runner import FakeRunner, FakeTest


class Heard(Silent):
    def __init__(self) -> None:
        self.nodes: list[tuple[str, ...]] = []

    def node_start(self, node) -> None:
        self.nodes.append(("start", node.id))

    def node_finish(self, node, finish) -> None:
        self.nodes.append(("finish", node.id, finish.outcome.value))


def _run(tmp_path: Path, *command: str, apps=("pay", "shop"), fake=None):
    db = ServiceSpec("db", "postgres", command=command or ("serve",), ports=(PortMapping(5432),))
    spec = EnvironmentSpec("it", (db,))
    applications = tuple(
        Application(name, tmp_path, "fake", environment="it", env={"DSN": "{db.port}/x"})
        for name in apps
    )
    workflow = Workflow(
        applications=(*applications, Application("lone", tmp_path, "fake")),
        environments=(spec,),
        execution=Execution(workers=2),
        root=tmp_path,
    )
    fake = fake or FakeProvisioner()
    environments = EnvironmentSession(
        {"it": spec}, [fake], state_dir=tmp_path / ".orch", root=tmp_path, reaper=False
    )
    runner = FakeRunner({name: [FakeTest("t1"), FakeTest("t2")] for name in (*apps, "lone")})
    heard = Heard()
    session = fake_session(workflow, runner, observer=heard, environments=environments)
    return session.execute(), runner, heard, fake


def test_the_shards_wait_for_their_environment_and_get_its_addresses(tmp_path: Path):
    result, runner, heard, fake = _run(tmp_path)
    assert result.exit_code is ExitCode.OK
    assert heard.nodes.count(("start", "environment:it")) == 1
    finished = heard.nodes.index(("finish", "environment:it", "passed"))
    for app in ("pay", "shop"):
        assert heard.nodes.index(("start", f"{app}-0")) > finished
    with_env = [env for env in runner.envs if "DSN" in env]
    without = [env for env in runner.envs if "DSN" not in env]
    assert with_env and without
    port = with_env[0]["ORCH_DB_PORT"]
    assert all(env["DSN"] == f"{port}/x" and env["ORCH_DB_PORT"] == port for env in with_env)
    assert not any("ORCH_DB_PORT" in env for env in without)
    assert fake.owners() == []
    assert (tmp_path / ".orch" / "service-logs" / result.run_id / "it" / "db.log").exists()


def test_an_environment_that_cannot_start_errors_its_tests_and_exits_4(tmp_path: Path):
    result, _, heard, fake = _run(tmp_path, "exit", "2")
    assert result.exit_code is ExitCode.ENVIRONMENT_ERROR
    errors = [r for r in result.results if r.app in ("pay", "shop")]
    assert {r.outcome.value for r in errors} == {"error"}
    assert len(errors) == 4
    message = (
        "environment 'it' could not start: service 'db': exited with status 2 right after it "
        "started"
    )
    assert {r.message for r in errors} == {message}
    assert {r.longrepr for r in errors} == {"bye\n"}
    assert message in result.problems
    lone = [r.outcome.value for r in result.results if r.app == "lone"]
    assert lone == ["passed", "passed"]
    assert ("finish", "environment:it", "error") in heard.nodes
    assert fake.owners() == []


def test_an_environment_that_fails_to_start_on_the_provisioner_is_said_in_one_line(
    tmp_path: Path,
):
    result, _, _, _ = _run(tmp_path, "fail", "port", "5432", "is", "taken", apps=("pay",))
    [message] = {r.message for r in result.results if r.app == "pay"}
    assert message == "environment 'it' could not start: service 'db': port 5432 is taken"
