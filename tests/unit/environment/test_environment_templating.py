"""Templates: checked when the workflow is loaded, resolved against the endpoints of started
services; ``{{`` is a brace; a reference counts as a dependency of the start order."""

from __future__ import annotations

import pytest

from orch.core.environment.order import start_levels
from orch.core.environment.templating import endpoint, resolve, resolve_env
from orch.core.shared.templates import Reference, parse, service_needs
from orch.ports import (
    ConfigError,
    EnvironmentProblem,
    EnvironmentSpec,
    PortMapping,
    PostgresConfig,
    ServiceSpec,
)

DB = ServiceSpec(
    "payment-db",
    "postgres",
    ports=(PortMapping(5432),),
    config=PostgresConfig(user="pay", password="p@ss word", database="payments"),
)
API = ServiceSpec("api", "docker", image="api", ports=(PortMapping(8080), PortMapping(9090)))
ENDPOINTS = {
    "payment-db": endpoint(DB, {5432: 40001}, {"PGOPTIONS": "-c x=1"}),
    "api": endpoint(API, {8080: 40002, 9090: 40003}, {}),
}


def test_each_field_resolves_from_the_started_service():
    assert resolve("{payment-db.host}:{payment-db.port}", ENDPOINTS) == "127.0.0.1:40001"
    assert resolve("{api.port} {api.ports.9090}", ENDPOINTS) == "40002 40003"
    assert resolve("{api.url}/v1", ENDPOINTS) == "http://127.0.0.1:40002/v1"
    assert resolve("{payment-db.env.PGOPTIONS}", ENDPOINTS) == "-c x=1"
    assert resolve_env({"U": "{payment-db.url}"}, ENDPOINTS) == {
        "U": "postgresql://pay:p%40ss%20word@127.0.0.1:40001/payments"
    }


def test_double_braces_are_braces_and_plain_text_stays():
    assert resolve('{{"port": {api.port}}}', ENDPOINTS) == '{"port": 40002}'
    assert resolve("no template", ENDPOINTS) == "no template"
    assert resolve("", ENDPOINTS) == ""


def test_a_reference_to_what_was_not_started_is_an_environment_problem():
    with pytest.raises(EnvironmentProblem, match=r"'\{web.host\}': service 'web' has not been"):
        resolve("{web.host}", ENDPOINTS)
    with pytest.raises(EnvironmentProblem, match=r"'\{api.ports.1\}'"):
        resolve("{api.ports.1}", ENDPOINTS)
    with pytest.raises(EnvironmentProblem, match="unknown field 'prt'; did you mean 'port'"):
        resolve("{api.prt}", ENDPOINTS)
    with pytest.raises(EnvironmentProblem, match="no host port was published for 9090"):
        endpoint(API, {8080: 1}, {})


def test_checking_parses_without_resolving():
    pieces, problems = parse("x{db.env.A}{{y}}")
    assert pieces == ["x", Reference("db", "env", "A"), "{", "y", "}"] and problems == []
    assert parse("${HOME}:{db.port}", written=True)[0] == ["${HOME}", ":", Reference("db", "port")]
    assert parse("{db.host.x}")[1] == [
        "'{db.host.x}': unknown field 'host.x'; did you mean 'host'? "
        "(available: host, port, url, ports.PORT, env.NAME)"
    ]
    assert parse("{db.ports.http}")[1] == [
        "'{db.ports.http}': a port is a number, such as {db.ports.8080}"
    ]


def test_references_count_as_dependencies_after_depends_on():
    web = ServiceSpec(
        "web", "docker", image="w", depends_on=("api",), env={"D": "{payment-db.url}"}
    )
    assert service_needs(web) == ("api", "payment-db")


def test_independent_services_share_a_level():
    web = ServiceSpec("web", "docker", image="w", env={"A": "{api.url}", "D": "{payment-db.url}"})
    worker = ServiceSpec("worker", "process", command=("w",), depends_on=("payment-db",))
    cache = ServiceSpec("cache", "docker", image="c")
    spec = EnvironmentSpec("e", (web, API, DB, worker, cache))
    assert start_levels(spec) == (("api", "payment-db", "cache"), ("web", "worker"))
    assert start_levels(EnvironmentSpec("empty")) == ()


def test_start_levels_name_a_cycle():
    a = ServiceSpec("a", "docker", image="a", depends_on=("b",))
    b = ServiceSpec("b", "docker", image="b", env={"X": "{c.host}"})
    c = ServiceSpec("c", "docker", image="c", env={"X": "{a.host}"})
    free = ServiceSpec("free", "docker", image="f")
    with pytest.raises(ConfigError) as caught:
        start_levels(EnvironmentSpec("e", (free, a, b, c)))
    assert str(caught.value) == (
        "environment 'e': dependency cycle: a -> b -> c -> a; remove one of these dependencies "
        "(depends_on or a template)"
    )
    with pytest.raises(ConfigError, match="service 'a' waits for 'b', which it does not have"):
        start_levels(EnvironmentSpec("e", (a,)))
