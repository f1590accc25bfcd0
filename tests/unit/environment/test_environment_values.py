"""The ports values of an environment: what they hold, and a spec hash that names an environment
by everything that defines it and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attrs import evolve

from orch.ports import (
    Endpoint,
    EnvironmentSpec,
    HttpWait,
    LogWait,
    PortMapping,
    PortWait,
    PostgresConfig,
    Resources,
    ServiceSpec,
    Volume,
    Wait,
)
from orch.ports.environment import DEFAULT_WAIT_TIMEOUT

DB = ServiceSpec("db", "postgres", ports=(PortMapping(5432),), config=PostgresConfig())
API = ServiceSpec(
    "api",
    "docker",
    image="api:1",
    ports=(PortMapping(8080, 18080), PortMapping(9090)),
    env={"A": "1", "B": "{db.url}"},
    depends_on=("db",),
    wait=Wait(http=HttpWait("/health")),
)
SPEC = EnvironmentSpec("it", (DB, API))


def test_defaults_say_what_a_bare_service_means():
    bare = ServiceSpec("x", "docker")
    assert bare.wait.strategies == () and bare.resources == Resources()
    assert PostgresConfig() == PostgresConfig("", 0, (), "orch", "orch", "orch", "auto")
    assert HttpWait().timeout == DEFAULT_WAIT_TIMEOUT == 60.0
    assert API.published(8080) == PortMapping(8080, 18080) and API.published(1) is None
    assert SPEC.service("api") is API and SPEC.service("nope") is None


def test_an_endpoint_s_port_is_its_first_published_one():
    assert Endpoint("127.0.0.1", {8080: 18080, 9090: 40001}).port == 18080
    assert Endpoint("127.0.0.1").port is None


def test_the_hash_is_the_sha256_of_canonical_json_and_stable():
    assert (
        len(SPEC.spec_hash) == 64 and SPEC.spec_hash == EnvironmentSpec("it", (DB, API)).spec_hash
    )
    data = json.loads(json.dumps(SPEC.as_json()))
    assert data["services"]["api"]["ports"] == [
        {"container": 8080, "host": 18080},
        {"container": 9090, "host": 0},
    ]
    reordered = EnvironmentSpec("it", (API, DB))
    env_reordered = evolve(API, env={"B": "{db.url}", "A": "1"})
    assert reordered.spec_hash == SPEC.spec_hash
    assert EnvironmentSpec("it", (DB, env_reordered)).spec_hash == SPEC.spec_hash


@pytest.mark.parametrize(
    "changed",
    [
        evolve(API, image="api:2"),
        evolve(API, ports=(PortMapping(9090), PortMapping(8080, 18080))),
        evolve(API, env={"A": "2", "B": "{db.url}"}),
        evolve(API, command=("serve",)),
        evolve(API, build=Path("/src/api")),
        evolve(API, volumes=(Volume("data", "/data", read_only=True),)),
        evolve(API, resources=Resources(cpus=1.0)),
        evolve(API, depends_on=()),
        evolve(API, wait=Wait(http=HttpWait("/health", timeout=5))),
        evolve(API, wait=Wait(port=PortWait(), log=LogWait("ready"))),
        evolve(API, type="process"),
    ],
)
def test_the_hash_changes_with_anything_that_defines_a_service(changed):
    assert EnvironmentSpec("it", (DB, changed)).spec_hash != SPEC.spec_hash


def test_the_hash_changes_with_the_name_the_config_and_the_services():
    assert EnvironmentSpec("other", (DB, API)).spec_hash != SPEC.spec_hash
    db = evolve(DB, config=PostgresConfig(schemas=("a.sql",)))
    assert EnvironmentSpec("it", (db, API)).spec_hash != SPEC.spec_hash
    assert EnvironmentSpec("it", (DB,)).spec_hash != SPEC.spec_hash
