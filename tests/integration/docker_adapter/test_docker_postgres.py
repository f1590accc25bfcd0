"""A postgres service on Docker: up with its schemas loaded, reached from the host through the
published port; a bad schema, a server that dies or never answers is a ProvisionError."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from orch.adapters.docker.environment import DockerEnvironment
from orch.ports import PortWait, PostgresConfig, ProvisionError, ServiceSpec, Wait

PSQL = Path("/usr/lib/postgresql/15/bin/psql")


def _database(image: str, *schemas: str) -> ServiceSpec:
    config = PostgresConfig(schemas=schemas, user="shop", password="secret", database="orders")
    return ServiceSpec("db", "postgres", image=image, config=config)


def _query(port: int, sql: str) -> str:
    done = subprocess.run(
        [PSQL, "-h", "127.0.0.1", "-p", str(port), "-U", "shop", "-d", "orders", "-tAc", sql],
        env={**os.environ, "PGPASSWORD": "secret"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_postgres_comes_up_with_its_schemas_loaded_in_order(
    environment: DockerEnvironment, postgres_image: str, tmp_path: Path
) -> None:
    (tmp_path / "one.sql").write_text("CREATE TABLE item (id int PRIMARY KEY);")
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "two.sql").write_text(
        "CREATE TABLE line (item int REFERENCES item(id)); INSERT INTO item VALUES (7);"
    )
    service = environment.start(_database(postgres_image, "one.sql", "sql/two.sql"), {})
    assert service.listening(5432)
    assert _query(service.ports[5432], "SELECT id FROM item") == "7"
    assert environment.peer_address(service, 5432) == ("db", 5432)


def test_a_bad_schema_is_a_provision_error_with_psqls_line(
    environment: DockerEnvironment, postgres_image: str, tmp_path: Path
) -> None:
    (tmp_path / "bad.sql").write_text("CREATE TABLE ok (id int);\nCREATE TABLE oops (id nosuch);\n")
    with pytest.raises(ProvisionError) as error:
        environment.start(_database(postgres_image, "bad.sql"), {})
    assert error.value.service == "db"
    assert "schema bad.sql failed" in str(error.value)
    assert 'ERROR:  type "nosuch" does not exist' in str(error.value)


def test_a_missing_schema_file_is_a_provision_error_naming_it(
    environment: DockerEnvironment, postgres_image: str
) -> None:
    with pytest.raises(ProvisionError, match=r"schema .*absent.sql cannot be read"):
        environment.start(_database(postgres_image, "absent.sql"), {})


def test_a_server_that_exits_is_a_provision_error_with_its_log(
    environment: DockerEnvironment, busybox: str
) -> None:
    dying = ServiceSpec("db", "postgres", image=busybox, command=("sh", "-c", "echo no; exit 2"))
    with pytest.raises(ProvisionError, match="postgres exited with status 2") as error:
        environment.start(dying, {})
    assert "no" in error.value.logs


def test_a_server_that_never_answers_times_out_with_its_log(
    environment: DockerEnvironment, busybox: str
) -> None:
    command = ("sh", "-c", "echo starting; exec sleep 60")
    wait = Wait(port=PortWait(timeout=1))
    silent = ServiceSpec("db", "postgres", image=busybox, command=command, wait=wait)
    with pytest.raises(ProvisionError, match="did not answer within 1 s") as error:
        environment.start(silent, {})
    assert "starting" in error.value.logs
