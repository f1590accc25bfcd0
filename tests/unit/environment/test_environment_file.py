"""``environments:`` in orch.yaml: a good one loads into ``EnvironmentSpec`` values, a bad one
gives one line per problem naming the file and the JSON path, with the closest name suggested."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core.environment.order import start_levels
from orch.core.workflow.services import service_schema
from orch.ports import (
    HttpWait,
    PortMapping,
    PostgresConfig,
    ServiceSpec,
    Wait,
)
from orch.ports.simulator import RequestMatch, SimResponse, SimRoute

SERVICES = """
applications:
  pay: {path: apps/payment, runner: pytest}
environments:
  e:
    services:
"""
"""A workflow whose environment ``e`` has the services that follow."""


def test_design_s_example_loads_into_specs_with_builds_resolved(workflow_file):
    workflow = workflow_file.load()
    (environment,) = workflow.environments
    assert environment is workflow.environment("integration-test")
    db, service = environment.services
    assert db == ServiceSpec(
        name="payment-db",
        type="postgres",
        ports=(PortMapping(5432, 0),),
        config=PostgresConfig(version="15", schemas=("payment_schema.sql",)),
    )
    assert service.build == (workflow_file.root / "apps" / "payment").resolve()
    assert service.ports == (PortMapping(8080, 0),)
    assert service.env == {"DB_HOST": "{payment-db.host}", "DB_PORT": "{payment-db.port}"}
    assert service.depends_on == ("payment-db",)
    assert service.wait == Wait(http=HttpWait(path="/health"))
    app = workflow.app("payment-service")
    assert app.environment == "integration-test"
    assert app.env["DATABASE_URL"] == "{payment-db.url}"


def test_an_application_without_environment_keeps_its_braces_as_text(workflow_file):
    text = (
        "applications:\n  pay: {path: apps/payment, runner: pytest, "
        "env: {JSON: '{\"a\": 1}', ODD: '{x'}}\n"
    )
    app = workflow_file.load(text).app("pay")
    assert app.environment == "" and app.env == {"JSON": '{"a": 1}', "ODD": "{x"}


def test_ports_shorthands_and_wait_strategies_with_their_timeouts(workflow_file):
    text = (
        SERVICES
        + """\
      api:
        type: process
        command: [python, -m, http.server]
        ports: [8000, "9000"]
        wait:
          timeout: 5
          port: true
          http: {path: /ready, status: 204, port: 9000, timeout: 2}
          log: "Serving HTTP"
          command: {run: [curl, -f, localhost:8000]}
        resources: {cpus: 0.5, memory: 512m}
"""
    )
    (api,) = workflow_file.load(text).environment("e").services
    assert api.ports == (PortMapping(8000, 0), PortMapping(9000, 0))
    assert [type(s).__name__ for s in api.wait.strategies] == [
        "PortWait",
        "HttpWait",
        "LogWait",
        "CommandWait",
    ]
    assert api.wait.port.timeout == 5 and api.wait.port.port == 0
    assert (api.wait.http.status, api.wait.http.port, api.wait.http.timeout) == (204, 9000, 2)
    assert api.wait.log.pattern == "Serving HTTP" and api.wait.log.timeout == 5
    assert api.wait.command.command == ("curl", "-f", "localhost:8000")
    assert api.resources.cpus == 0.5 and api.resources.memory == 512 * 1024**2


def test_a_service_s_env_expands_orch_s_variables_and_keeps_their_braces_as_text(
    workflow_file, monkeypatch
):
    monkeypatch.setenv("TOKEN", "a{b}c")
    text = (
        SERVICES
        + """\
      api: {type: docker, image: api, env: {TOKEN: "${TOKEN}", PRICE: "$$5", RAW: "{{x}}"}}
"""
    )
    (api,) = workflow_file.load(text).environment("e").services
    assert api.env == {"TOKEN": "a{{b}}c", "PRICE": "$5", "RAW": "{{x}}"}


ENVIRONMENT = """
applications:
  pay: {{path: apps/payment, runner: pytest{app}}}
environments:
  e:
    services:
      db: {{type: postgres, config: {{user: app}}, env: {{PASSWORD: pw}}}}
      api: {{type: docker, image: api, ports: {{"8080": 0}}{api}}}
"""


def errors(workflow_file, api: str = "", app: str = "") -> list[str]:
    return workflow_file.errors(ENVIRONMENT.format(api=api, app=app))


AT = "orch.yaml: $.environments.e.services.api"


@pytest.mark.parametrize(
    ("api", "line"),
    [
        (
            ", imgae: x",
            f"{AT}.imgae: unknown key; did you mean 'image'? (valid: type, image, "
            "build, command, ports, env, depends_on, wait, config, version, volumes, resources, "
            "routes, simulate, fallback)",
        ),
        (
            ", depends_on: [dbb]",
            f"{AT}.depends_on[0]: unknown service 'dbb'; did you mean 'db'? (available: db, api)",
        ),
        (
            ", env: {H: '{dbb.host}'}",
            f"{AT}.env.H: unknown service 'dbb'; did you mean 'db'? (available: db, api)",
        ),
        (
            ", env: {H: '{db.prt}'}",
            f"{AT}.env.H: '{{db.prt}}': unknown field 'prt'; did you mean "
            "'port'? (available: host, port, url, ports.PORT, env.NAME)",
        ),
        (
            ", env: {H: '{db.ports.80}'}",
            f"{AT}.env.H: '{{db.ports.80}}': service 'db' publishes "
            "no port 80 (it publishes: 5432)",
        ),
        (
            ", env: {H: '{db.env.PASSWRD}'}",
            f"{AT}.env.H: '{{db.env.PASSWRD}}': unknown variable 'PASSWRD'; did you mean "
            "'PASSWORD'? (its env: PASSWORD)",
        ),
        (", env: {H: '{db'}", f"{AT}.env.H: a '{{' that is not closed (write {{{{ for a brace)"),
        (
            ", env: {H: '{db}'}",
            f"{AT}.env.H: '{{db}}' is not {{SERVICE.FIELD}} such as "
            "{db.port} (write {{ for {)",
        ),
        (", build: nowhere", f"{AT}.build: directory 'nowhere' does not exist in ROOT"),
        (
            ", wait: {log: 'ready ('}",
            f"{AT}.wait.log: not a valid regular expression: missing ) at position 7",
        ),
        (
            ", wait: {http: {path: /x, port: 9090}}",
            f"{AT}.wait.http: service 'api' publishes no port 9090 (it publishes: 8080)",
        ),
        (
            ", wait: {tiemout: 3}",
            f"{AT}.wait.tiemout: unknown key; did you mean 'timeout'? "
            "(valid: port, http, log, command, timeout)",
        ),
        (
            ", config: {port: 1}",
            f"{AT}.config: only a postgres service has a config; this one is docker",
        ),
        (
            ", command: [run], volumes: [data]",
            f"{AT}.volumes[0]: expected SOURCE:/TARGET or SOURCE:/TARGET:ro, got 'data'",
        ),
        (
            ", resources: {cpus: 0}",
            f"{AT}.resources.cpus: cpus is a number above 0 and at most 4096, got 0",
        ),
    ],
)
def test_each_problem_is_one_line_with_its_path(workflow_file, api, line):
    assert errors(workflow_file, api) == [line.replace("ROOT", str(workflow_file.root))]


@pytest.mark.parametrize(
    ("ports", "line"),
    [
        (
            '{"8080": 70000}',
            "ports['8080']: a port is a whole number from 1 to 65535, or 0 for a "
            "free one, got 70000",
        ),
        ('{"0": 1}', "ports['0']: a port is a whole number from 1 to 65535, got 0"),
        ("[80, 65536]", "ports[1]: a port is a whole number from 1 to 65535, got 65536"),
        ("[80, 80]", "ports: port 80 is listed twice"),
        ("8080", "ports: expected a mapping of names, got 8080"),
    ],
)
def test_a_port_outside_1_to_65535_is_named_by_its_path(workflow_file, ports, line):
    text = ENVIRONMENT.format(api="", app="").replace('{"8080": 0}', ports)
    assert workflow_file.errors(text) == [f"{AT}.{line}"]


def test_an_unknown_service_type_suggests_the_closest(workflow_file):
    text = ENVIRONMENT.format(api="", app="").replace("type: docker", "type: dockr")
    assert workflow_file.errors(text) == [
        f"{AT}.type: unknown service type 'dockr'; did you mean 'docker'? "
        "(available: docker, process, postgres, simulator)"
    ]


def test_a_service_without_env_says_so(workflow_file):
    text = ENVIRONMENT.format(api=", env: {H: '{db.env.X}'}", app="").replace(
        "{PASSWORD: pw}", "{}"
    )
    assert workflow_file.errors(text) == [f"{AT}.env.H: '{{db.env.X}}': service 'db' sets no env"]


def test_a_dependency_cycle_is_named(workflow_file):
    text = ENVIRONMENT.format(api=", depends_on: [db]", app="").replace(
        "PASSWORD: pw}", "API: '{api.url}'}"
    )
    assert workflow_file.errors(text) == [
        "orch.yaml: $.environments.e.services: dependency cycle: db -> api -> db; remove one of "
        "these dependencies (depends_on or a template)"
    ]


def test_a_service_that_waits_for_itself_is_a_cycle(workflow_file):
    assert errors(workflow_file, ", env: {SELF: '{api.port}'}") == [
        "orch.yaml: $.environments.e.services: dependency cycle: api -> api; remove one of these "
        "dependencies (depends_on or a template)"
    ]


def test_an_application_naming_an_unknown_environment(workflow_file):
    assert errors(workflow_file, app=", environment: ee") == [
        "orch.yaml: $.applications.pay.environment: unknown environment 'ee'; did you mean 'e'? "
        "(available: e)"
    ]


def test_an_application_s_templates_name_its_environment_s_services(workflow_file):
    app = ", environment: e, env: {URL: '{db.url}', BAD: '{apii.port}'}"
    assert errors(workflow_file, app=app) == [
        "orch.yaml: $.applications.pay.env.BAD: unknown service 'apii'; did you mean 'api'? "
        "(available: db, api)"
    ]


def test_type_specific_settings(workflow_file):
    text = (
        SERVICES
        + """\
      a: {type: docker}
      b: {type: process, image: x}
      c: {type: postgres, version: "14", config: {version: "15"}}
      d: {type: postgres, ports: [5432]}
      e: {type: docker, image: x, version: "1"}
      f.g: {type: process, command: [x]}
      h: {type: postgres, config: {mode: containr}}
"""
    )
    at = "orch.yaml: $.environments.e.services"
    assert workflow_file.errors(text) == [
        f"{at}.c.version: also given as config.version ('15'); give it once",
        f"{at}.d.ports: a postgres service is published on config.port",
        f"{at}.e.version: only a postgres service has a version; this one is docker",
        f"{at}.h.config.mode: unknown mode 'containr'; did you mean 'container'? "
        "(available: auto, container, process)",
    ]
    fixed = text.split("      c:")[0] + "      f.g: {type: process, command: [x]}\n"
    assert workflow_file.errors(fixed) == [
        f"{at}.a: a docker service needs an image or a build directory",
        f"{at}.b.image: a process service does not take image",
        f"{at}.b: a process service needs a command",
        f"{at}['f.g']: a service name is letters, digits, '-' and '_' (at most 63)",
    ]


README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_s_example_loads_and_starts_in_levels(workflow_file):
    section = README.read_text(encoding="utf-8").split("## Environments\n", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (environment,) = workflow_file.load(example).environments
    assert start_levels(environment) == (("payment-db", "mock-bank"), ("payment-service",))


@pytest.mark.parametrize(
    ("service", "line"),
    [
        ("wait: {timeout: -1}", "wait.timeout: a timeout is a number of seconds above 0, got -1"),
        (
            "wait: {timeout: 9999999999}",
            "wait.timeout: at most 2,592,000 seconds (30 days), got 9999999999",
        ),
        ("wait: {log: [x]}", "wait.log: expected a regular expression, got a list of 1 item"),
        (
            "wait: {http: health}",
            "wait.http: expected a path starting with '/', such as /health, got 'health'",
        ),
        (
            "wait: {http: {status: 999}}",
            "wait.http.status: an HTTP status is a whole number from 100 to 599, got 999",
        ),
        ("wait: {command: []}", "wait.command: the command is empty"),
        ("wait: {command: {timeout: 1}}", "wait.command.run: required key is missing"),
        (
            "resources: {memory: 2x}",
            "resources.memory: memory is a number of bytes or such as 512m or 2g, got '2x'",
        ),
        (
            "resources: {memory: 0}",
            "resources.memory: memory is a number of bytes or such as 512m or 2g, got 0",
        ),
        (
            "env: {U: '{bare.url}'}",
            "env.U: '{bare.url}': service 'bare' publishes no port; give it ports",
        ),
    ],
)
def test_waits_resources_and_urls_that_cannot_work(workflow_file, service, line):
    text = SERVICES + f"      api: {{type: docker, image: api, {service}}}\n"
    text += "      bare: {type: docker, image: bare}\n"
    assert workflow_file.errors(text) == [f"{AT}.{line}"]


def test_memory_units_are_docker_s():
    sizes = {"1024": 1024, "2k": 2048, "3MiB": 3 * 1024**2, "1g": 1024**3}
    for written, size in sizes.items():
        service = service_schema().service_of(
            "api", {"type": "docker", "image": "a", "resources": {"memory": written}}
        )
        assert service.resources.memory == size


SIMULATOR = SERVICES + (
    "      bank:\n"
    "        type: simulator\n"
    "        routes:\n"
    "          - request: {method: post, path: '/charges/{id}', json: {currency: EUR}}\n"
    "            response: {status: 201, json: {id: 'ch-{{request.path.id}}'}, delay: 0.5}\n"
    "          - responses: [{status: 503}, {fault: drop}]\n"
)


def test_a_simulator_s_routes_load_with_one_free_port(workflow_file):
    (bank,) = workflow_file.load(SIMULATOR).environments[0].services
    assert bank.ports == (PortMapping(8080, 0),)  # one free port unless it names its own
    assert bank.routes == (
        SimRoute(
            RequestMatch("POST", "/charges/{id}", json={"currency": "EUR"}),
            (SimResponse(201, json={"id": "ch-{{request.path.id}}"}, delay=0.5),),
        ),
        SimRoute(RequestMatch(), (SimResponse(503), SimResponse(fault="drop"))),
    )


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "type: simulator",
            "type: process",
            "routes: only a simulator service has routes (or one simulated); this one is process",
        ),
        (
            "path: '/charges/{id}'",
            "path: /__orch/x",
            "routes[0].request.path: paths under /__orch/ are the simulator's own "
            "(its recorded requests)",
        ),
        (
            "path: '/charges/{id}'",
            "path: /a/*/b",
            "routes[0].request.path: '*' may only end a path (/files/*: any rest)",
        ),
        (
            "method: post",
            "method: 'p st'",
            "routes[0].request.method: expected an HTTP method such as GET or POST, got 'p st'",
        ),
        (
            "delay: 0.5",
            "delay: -1",
            "routes[0].response.delay: a delay is a number of seconds, 0 or more, got -1",
        ),
        (
            "- responses: [",
            "- response: {}\n            responses: [",
            "routes[1]: a route takes a response, or responses answered in turn: one of them",
        ),
        (
            "{fault: drop}",
            "{fault: hang}",
            "routes[1].responses[1].fault: unknown fault 'hang' (available: timeout, drop)",
        ),
        ("        routes:\n", "        routs:\n", "routs: unknown key; did you mean 'routes'?"),
    ],
)
def test_each_mistake_in_a_simulator_is_one_line(workflow_file, old, new, line):
    assert old in SIMULATOR
    found = workflow_file.errors(SIMULATOR.replace(old, new))
    assert found[0].startswith(f"orch.yaml: $.environments.e.services.bank.{line}"), found


def test_a_simulator_needs_its_routes(workflow_file):
    assert workflow_file.errors(SERVICES + "      bank: {type: simulator}\n") == [
        "orch.yaml: $.environments.e.services.bank.routes: a simulator needs its routes"
    ]
