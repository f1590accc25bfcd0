"""Bringing an environment up and down on the fake provisioner: start order, templates between
services, health, failures that remove what had started, the choice of provisioner."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from orch.core.environment.choice import Choice
from orch.core.environment.owners import claim, gone, prune
from orch.core.environment.provisioning import Provisioning
from orch.core.environment.session import EnvironmentSession
from orch.ports import (
    Application,
    CommandWait,
    EnvironmentSpec,
    HttpWait,
    LogWait,
    Owner,
    PortMapping,
    PortWait,
    PostgresConfig,
    ProvisionError,
    ServiceSpec,
    Wait,
)
from orch.testing.fake_provisioner import FakeProvisioner


def _service(name: str, *command: str, **fields) -> ServiceSpec:
    fields.setdefault("ports", (PortMapping(8080),))
    return ServiceSpec(name, "docker", command=command or ("serve",), **fields)


def _up(tmp_path: Path, spec: EnvironmentSpec, fake: FakeProvisioner | None = None):
    fake = fake or FakeProvisioner()
    owner = Owner("o-1", "run-1", spec.name, spec.spec_hash, tmp_path / "owner")
    return fake, Provisioning(Choice([fake]), tmp_path).up(spec, owner, tmp_path / "logs")


def test_services_start_after_what_they_wait_for_with_its_address_in_their_env(tmp_path: Path):
    db = _service("db")
    api = _service("api", env={"DB": "{db.host}:{db.port}", "URL": "{db.url}"}, depends_on=("db",))
    web = _service("web", env={"API": "{api.url}"})
    fake, up = _up(tmp_path, EnvironmentSpec("e", (web, api, db)))
    order = [name for _, name, _ in fake.started]
    assert order.index("db") < order.index("api") < order.index("web")
    port = up.endpoints["db"].port
    assert up.endpoints["api"].env == {"DB": f"127.0.0.1:{port}", "URL": f"http://127.0.0.1:{port}"}
    assert up.endpoints["web"].env["API"] == up.endpoints["api"].url


def test_a_peer_of_the_same_provisioner_is_reached_at_its_peer_address(tmp_path: Path):
    class Networked(FakeProvisioner):
        def open(self, owner, root, artifacts):
            opened = super().open(owner, root, artifacts)
            opened.peer_address = lambda service, port: (service.name, port)  # type: ignore[method-assign]
            return opened

    db = _service("db", ports=(PortMapping(5432),))
    api = _service("api", env={"DB": "{db.host}:{db.port}"})
    _, up = _up(tmp_path, EnvironmentSpec("e", (db, api)), Networked())
    assert up.endpoints["api"].env == {"DB": "db:5432"}
    assert up.endpoints["db"].host == "127.0.0.1"  # the machine still reaches it on 127.0.0.1


def test_a_failing_service_removes_what_had_started_and_names_itself(tmp_path: Path):
    fake = FakeProvisioner()
    db = _service("db")
    api = _service("api", "fail", "image", "api:1", "is", "missing", depends_on=("db",))
    with pytest.raises(ProvisionError) as caught:
        _up(tmp_path, EnvironmentSpec("e", (db, api)), fake)
    assert str(caught.value) == "service 'api': image api:1 is missing"
    assert fake.owners() == []
    assert "hello" in (tmp_path / "logs" / "db.log").read_text()


def test_a_service_that_exits_before_it_is_ready_says_so_with_its_last_lines(tmp_path: Path):
    with pytest.raises(ProvisionError) as caught:
        _up(tmp_path, EnvironmentSpec("e", (_service("db", "exit", "3"),)))
    assert str(caught.value) == (
        "service 'db': exited with status 3 before it was ready (port 8080 listening)"
    )
    assert caught.value.logs == "bye\n"


def test_each_wait_strategy_is_waited_for(tmp_path: Path):
    wait = Wait(
        port=PortWait(8080, 5),
        http=HttpWait("/health", 200, 0, 5),
        log=LogWait(r"hello \w+", 5),
        command=CommandWait(("true",), 5),
    )
    began = time.monotonic()
    service = _service("db", "serve", "0.3", wait=wait, env={"GREETING": "there"})
    _, up = _up(tmp_path, EnvironmentSpec("e", (service,)))
    assert time.monotonic() - began >= 0.3
    assert up.endpoints["db"].port is not None


@pytest.mark.parametrize(
    ("wait", "said"),
    [
        (Wait(log=LogWait("never", 0.2)), "a line matching 'never'"),
        (Wait(command=CommandWait(("false",), 0.2)), "'false' exiting 0"),
        (Wait(http=HttpWait("/", 200, 9, 0.2)), "GET / on port 9 answering 200"),
        (Wait(port=PortWait(0, 0.2)), "every port listening"),
    ],
)
def test_a_strategy_that_never_holds_times_out_saying_which(tmp_path: Path, wait, said):
    service = _service("db", "serve", "30", wait=wait)
    with pytest.raises(ProvisionError) as caught:
        _up(tmp_path, EnvironmentSpec("e", (service,)))
    assert str(caught.value) == f"service 'db': not ready after 0.2 s: {said}"


def test_postgres_in_auto_mode_goes_to_the_next_provisioner_when_this_one_lacks_it(
    tmp_path: Path,
):
    class NoBinaries(FakeProvisioner):
        PLUGIN_NAME = "processes"

        def open(self, owner, root, artifacts):
            opened = super().open(owner, root, artifacts)
            opened.start = lambda service, env: (_ for _ in ()).throw(  # type: ignore[method-assign]
                ProvisionError(service.name, "no PostgreSQL binaries", missing=True)
            )
            return opened

    processes = NoBinaries(types=("process", "postgres"))
    containers = FakeProvisioner(types=("docker", "postgres"))
    db = ServiceSpec("db", "postgres", ports=(PortMapping(5432),), config=PostgresConfig())
    owner = Owner("o", "r", "e", "h", tmp_path)
    up = Provisioning(Choice([containers, processes]), tmp_path).up(
        EnvironmentSpec("e", (db,)), owner, tmp_path
    )
    assert [name for _, name, _ in containers.started] == ["db"]
    assert up.endpoints["db"].url.startswith("postgresql://orch:orch@127.0.0.1:")


def test_no_provisioner_for_a_type_is_one_line_with_each_ones_reason():
    down = FakeProvisioner(types=("docker",), unavailable="no Docker engine answers")
    with pytest.raises(ProvisionError) as caught:
        Choice([down, FakeProvisioner(types=("process",))]).candidates(_service("api"))
    assert str(caught.value) == (
        "service 'api': cannot be started here (fake: no Docker engine answers)"
    )
    with pytest.raises(ProvisionError, match="no installed provisioner starts 'docker'"):
        Choice([]).candidates(_service("api"))
    forced = ServiceSpec("db", "postgres", config=PostgresConfig(mode="container"))
    with pytest.raises(ProvisionError, match="no installed provisioner starts 'docker'"):
        Choice([FakeProvisioner(types=("process", "postgres"))]).candidates(forced)


def _session(tmp_path: Path, fake: FakeProvisioner, keep: bool = False) -> EnvironmentSession:
    api = _service("api", env={"GREETING": "x"})
    specs = {"e": EnvironmentSpec("e", (_service("db-main"), api))}
    return EnvironmentSession(
        specs, [fake], state_dir=tmp_path / ".orch", root=tmp_path, keep=keep, reaper=False
    )


def test_an_application_gets_the_documented_variables_and_its_env_resolved(tmp_path: Path):
    fake = FakeProvisioner()
    session = _session(tmp_path, fake)
    session.up("e", "run-1")
    app = Application("pay", tmp_path, "fake", environment="e", env={"DB": "{db-main.url}/x"})
    variables = session.variables(app)
    port = variables["ORCH_DB_MAIN_PORT"]
    assert variables["ORCH_DB_MAIN_HOST"] == "127.0.0.1"
    assert variables["ORCH_DB_MAIN_PORT_8080"] == port
    assert variables["ORCH_DB_MAIN_URL"] == f"http://127.0.0.1:{port}"
    assert variables["DB"] == f"http://127.0.0.1:{port}/x"
    assert "ORCH_API_PORT" in variables
    assert session.variables(Application("other", tmp_path, "fake")) == {}
    session.down("e")
    assert fake.owners() == []
    logs = tmp_path / ".orch" / "service-logs" / "run-1" / "e"
    assert (logs / "api.log").read_text() == "hello x\n"
    assert not (tmp_path / ".orch" / "environments" / "run-1-e" / "lock").exists() or gone(
        Owner("run-1-e", "run-1", "e", "", tmp_path / ".orch" / "environments" / "run-1-e")
    )


def test_a_kept_environment_stays_up_with_its_addresses_written_down(tmp_path: Path):
    fake = FakeProvisioner()
    session = _session(tmp_path, fake, keep=True)
    session.up("e", "run-1")
    session.close()
    [owner] = fake.owners()
    kept = json.loads(owner.kept.read_text())
    assert kept["db-main"]["url"].startswith("http://127.0.0.1:")
    assert owner.kept.stat().st_mode & 0o077 == 0
    assert not gone(owner)
    assert prune([fake]) == []


def test_prune_removes_the_environments_of_owners_that_are_gone_and_only_those(tmp_path: Path):
    fake = FakeProvisioner()
    spec = EnvironmentSpec("e", (_service("db"),))
    alive = claim(tmp_path, "alive", spec, None)
    dead = claim(tmp_path, "dead", spec, None)
    for owned in (alive, dead):
        Provisioning(Choice([fake]), tmp_path).up(spec, owned.owner, tmp_path / "logs")
    dead.release()
    assert prune([fake]) == ["service db"]
    assert fake.owners() == [alive.owner]
    assert not dead.owner.directory.exists()
    alive.release()


def test_an_unknown_environment_is_a_config_error(tmp_path: Path):
    session = _session(tmp_path, FakeProvisioner())
    with pytest.raises(Exception, match="environment 'nope' is not declared"):
        session.up("nope", "run-1")
