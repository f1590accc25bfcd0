"""The Python API of the seed, verbatim, and its mistakes: the same schema and lines as the file,
with paths inside the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core import Application, Environment, Workflow
from orch.ports import ConfigError, EnvironmentSpec, PortMapping


def test_the_seed_s_environment_verbatim():
    environment = Environment("integration-test")
    environment.add_service(
        "payment-db",
        {
            "type": "postgres",
            "version": "15",
            "config": {"port": 5432, "schemas": ["payment_schema.sql"]},
        },
    )
    environment.add_service(
        "payment-service",
        {
            "type": "docker",
            "image": "payment-service:latest",
            "ports": {"8080": 8080},
            "env": {"DB_HOST": "{payment-db.host}", "DB_PORT": "{payment-db.port}"},
        },
    )
    spec = environment.spec
    assert isinstance(spec, EnvironmentSpec) and spec.name == "integration-test"
    db, service = spec.services
    assert db.config.version == "15" and db.config.port == 5432
    assert db.config.schemas == ("payment_schema.sql",)
    assert db.ports == (PortMapping(5432, 5432),)
    assert service.ports == (PortMapping(8080, 8080),)
    assert service.env["DB_PORT"] == "{payment-db.port}"


def test_a_workflow_built_in_python_takes_the_environment(tmp_path: Path):
    environment = Environment("it").add_service("db", {"type": "postgres"})
    app = Application("pay", tmp_path, "pytest", environment="it", env={"URL": "{db.url}"})
    workflow = Workflow(applications=(app,), environments=(environment,))
    assert workflow.environments == (environment.spec,)
    assert workflow.environment("it").service("db").type == "postgres"


def test_a_python_workflow_naming_an_unknown_environment(tmp_path: Path):
    app = Application("pay", tmp_path, "pytest", environment="itt")
    with pytest.raises(ConfigError) as caught:
        Workflow(applications=(app,), environments=(Environment("it"),))
    assert str(caught.value) == (
        "the workflow: application 'pay': unknown environment 'itt'; did you mean 'it'? "
        "(available: it)"
    )


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"type": "docker", "image": "x", "ports": {"8080": 99999}},
            "services.api.ports['8080']: a port is a whole number from 1 to 65535, "
            "or 0 for a free one, got 99999",
        ),
        (
            {"type": "docker", "image": "x", "port": {"8080": 0}},
            "services.api.port: unknown key; did you mean 'ports'? (valid: type, image, build, "
            "command, ports, env, depends_on, wait, config, version, volumes, resources, routes, "
            "simulate, fallback)",
        ),
        ({"image": "x"}, "services.api.type: required key is missing"),
        (
            {"type": "docker", "image": "x", "wait": {"log": "[a-"}},
            "services.api.wait.log: not a valid regular expression: "
            "unterminated character set at position 3",
        ),
        ("docker", "services.api: expected a mapping of settings, got 'docker'"),
    ],
)
def test_add_service_says_what_is_wrong_in_one_line(settings, line):
    with pytest.raises(ConfigError) as caught:
        Environment("integration-test").add_service("api", settings)
    assert str(caught.value) == f"environment 'integration-test': {line}"


def test_services_may_name_ones_added_later_and_are_checked_together():
    environment = Environment("e").add_service(
        "api", {"type": "docker", "image": "api", "depends_on": ["db"]}
    )
    with pytest.raises(ConfigError) as caught:
        _ = environment.spec
    assert str(caught.value) == (
        "environment 'e': services.api.depends_on[0]: unknown service 'db' (available: api)"
    )
    environment.add_service("db", {"type": "postgres"})
    assert [s.name for s in environment.spec.services] == ["api", "db"]


def test_a_service_is_added_once():
    environment = Environment("e").add_service("db", {"type": "postgres"})
    with pytest.raises(ConfigError, match=r"^environment 'e': services.db: a service of this"):
        environment.add_service("db", {"type": "postgres"})


def test_a_build_directory_is_resolved_under_the_given_root(tmp_path: Path):
    (tmp_path / "api").mkdir()
    environment = Environment("e", root=tmp_path).add_service(
        "api", {"type": "docker", "build": "api"}
    )
    assert environment.spec.services[0].build == (tmp_path / "api").resolve()
    with pytest.raises(ConfigError, match=r"services.web.build: directory 'web' does not exist"):
        environment.add_service("web", {"type": "docker", "build": "web"})
