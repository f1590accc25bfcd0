"""A postgres service run as a process: a real server, its schemas loaded, found and removed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from orch.adapters.local import postgres_binaries, processes
from orch.adapters.local.provisioning import ProcessEnvironment, ProcessProvisioner
from orch.ports import Owner, PortWait, PostgresConfig, ProvisionError, ServiceSpec, Wait
from orch.ports.environment import POSTGRES_PORT
from orch.testing.provisioner_contracts import free_port


def postgres(name: str = "db", **config: object) -> ServiceSpec:
    return ServiceSpec(name, "postgres", config=PostgresConfig(**config))  # type: ignore[arg-type]


def query(port: int, sql: str, password: str = "secret") -> subprocess.CompletedProcess[str]:
    binaries = postgres_binaries.find("db")
    command = [binaries.program("psql"), "-X", "-tA", "-h", "127.0.0.1", "-p", str(port)]
    env = {"PATH": os.environ["PATH"], "PGPASSWORD": password}
    return subprocess.run(
        [*command, "-U", "app", "-d", "shop", "-c", sql],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_server_answers_with_its_schemas_loaded_in_order(
    opened: ProcessEnvironment, tmp_path: Path
) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "1.sql").write_text("CREATE TABLE item (name text);\n")
    (tmp_path / "sql" / "2.sql").write_text("INSERT INTO item VALUES ('pen'), ('ink');\n")
    port = free_port()
    config = {"user": "app", "password": "secret", "database": "shop", "port": port}
    service = opened.start(postgres(schemas=("sql/1.sql", "sql/2.sql"), **config), {})
    assert service.ports == {POSTGRES_PORT: port}
    assert opened.peer_address(service, POSTGRES_PORT) == ("127.0.0.1", port)
    assert query(port, "SELECT count(*) FROM item").stdout.strip() == "2"
    assert "password authentication failed" in query(port, "SELECT 1", "wrong").stderr
    assert service.run(["psql", "-c", "SELECT 1"], timeout=20) == 0
    assert service.listening(POSTGRES_PORT)
    assert service.ended() is None
    assert service.usage().memory > 0


def test_a_failing_schema_names_the_service_and_psqls_error(
    opened: ProcessEnvironment, owner: Owner, tmp_path: Path
) -> None:
    (tmp_path / "bad.sql").write_text("CREATE TABLE ok (id int);\nCREATE TABLEX nope;\n")
    with pytest.raises(ProvisionError) as error:
        opened.start(postgres("store", schemas=("bad.sql",)), {})
    assert error.value.service == "store"
    assert "schema bad.sql failed" in str(error.value)
    assert 'syntax error at or near "TABLEX"' in str(error.value)
    assert "database system is ready" in (tmp_path / "artifacts" / "store.log").read_text()
    assert owner not in ProcessProvisioner().owners()


def test_a_failing_initdb_is_an_error_with_its_output(opened: ProcessEnvironment) -> None:
    with pytest.raises(ProvisionError, match="service 'db': initdb failed") as error:
        opened.start(postgres(user="pg_reserved"), {})
    assert "pg_reserved" in error.value.logs


def test_a_server_that_does_not_answer_in_time_is_an_error(opened: ProcessEnvironment) -> None:
    service = ServiceSpec(
        "slow", "postgres", config=PostgresConfig(), wait=Wait(port=PortWait(timeout=0.0))
    )
    with pytest.raises(ProvisionError, match="did not accept connections within 0 s"):
        opened.start(service, {})


def test_a_missing_schema_file_is_named(opened: ProcessEnvironment) -> None:
    with pytest.raises(ProvisionError, match="schema none.sql: no such file"):
        opened.start(postgres(schemas=("none.sql",)), {})


def test_another_major_version_says_which_was_asked_for_and_which_is_here(
    opened: ProcessEnvironment,
) -> None:
    here = postgres_binaries.find("db").major
    with pytest.raises(ProvisionError) as error:
        opened.start(postgres(version="99.1"), {})
    assert "PostgreSQL 99.1 was asked for" in str(error.value)
    assert f"this machine has {here}" in str(error.value)


def test_the_version_asked_for_is_found(opened: ProcessEnvironment) -> None:
    here = postgres_binaries.find("db").major
    assert postgres_binaries.find("db", here).major == here


def test_missing_binaries_say_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(ProvisionError) as error:
        postgres_binaries.find("db", path=str(tmp_path), library=tmp_path)
    assert str(error.value) == f"service 'db': {postgres_binaries.MISSING}"


def test_a_container_mode_is_refused(opened: ProcessEnvironment) -> None:
    with pytest.raises(ProvisionError, match="mode: container"):
        opened.start(postgres(mode="container"), {})


def test_removing_stops_the_server_and_deletes_its_data(
    opened: ProcessEnvironment, owner: Owner
) -> None:
    service = opened.start(postgres(database="postgres"), {})
    data = service.directory / "data"
    server = int((data / "postmaster.pid").read_text().split()[0])
    family = processes.tagged_tree(lambda tag: False, (server,))
    assert len(family) > 1  # the checkpointer and the other helpers, their tags overwritten
    removed = ProcessProvisioner().remove(owner.id)
    assert any(line.startswith(f"process {server} ") for line in removed)
    assert not data.exists() and not service.directory.exists()
    assert service.ended() is not None
    assert not any(processes.alive(pid) for pid in family)
    assert not service.listening(POSTGRES_PORT)
    assert owner not in ProcessProvisioner().owners()
