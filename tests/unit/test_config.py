"""Workflow files: good ones load, bad ones give one line per problem with file and JSON path."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core import load_workflow
from orch.ports import ConfigError


def write(tmp_path: Path, text: str, name: str = "orch.yaml") -> Path:
    (tmp_path / "apps" / "pay").mkdir(parents=True, exist_ok=True)
    (tmp_path / "apps" / "web").mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path, registry) -> str:
    with pytest.raises(ConfigError) as caught:
        load_workflow(path, registry)
    return str(caught.value)


GOOD = """
applications:
  payment-service:
    path: apps/pay
    priority: 2
    runner: {pytest: {args: ["-q"]}}
  web-frontend:
    path: apps/web
    runner: {command: {args: ["x"]}}
execution: {workers: 4, timeout: 300, retries: 1}
"""


def test_a_good_workflow_loads_with_resolved_paths_and_settings(tmp_path, registry):
    workflow = load_workflow(write(tmp_path, GOOD), registry)
    pay = workflow.app("payment-service")
    assert pay.path == (tmp_path / "apps" / "pay").resolve()
    assert pay.runner == "pytest" and pay.settings.args == ("-q",) and pay.priority == 2
    assert workflow.execution.workers == 4 and workflow.execution.timeout == 300.0
    assert workflow.execution.retries == 1 and workflow.root == tmp_path.resolve()


def test_json_workflow_is_the_same_schema(tmp_path, registry):
    path = write(
        tmp_path,
        '{"applications": {"pay": {"path": "apps/pay", "runner": "pytest"}}}',
        "orch.json",
    )
    workflow = load_workflow(path, registry)
    assert workflow.app("pay").runner == "pytest"
    assert workflow.app("pay").settings.args == ()


def test_malformed_yaml_names_file_line_and_column(tmp_path, registry):
    message = error_of(write(tmp_path, "applications:\n  pay: [unclosed\n"), registry)
    assert message.startswith("orch.yaml:3:1: malformed YAML")
    assert "\n" not in message


def test_malformed_json_names_line_and_column(tmp_path, registry):
    message = error_of(write(tmp_path, '{"applications": {,}}', "orch.json"), registry)
    assert message.startswith("orch.json:1:19: malformed JSON")


def test_misspelled_key_suggests_the_closest(tmp_path, registry):
    text = GOOD.replace("retries: 1", "retires: 1")
    message = error_of(write(tmp_path, text), registry)
    assert message.startswith(
        "orch.yaml: $.execution.retires: unknown key; did you mean 'retries'?"
    )


def test_misspelled_runner_lists_available_and_suggests(tmp_path, registry):
    message = error_of(write(tmp_path, GOOD.replace("{pytest:", "{pytst:")), registry)
    assert message == (
        "orch.yaml: $.applications.payment-service.runner: unknown runner 'pytst'; "
        "did you mean 'pytest'? (available: command, pytest)"
    )


def test_runner_settings_errors_carry_the_runner_name_in_the_path(tmp_path, registry):
    message = error_of(write(tmp_path, GOOD.replace('args: ["-q"]', "argz: []")), registry)
    assert (
        "$.applications.payment-service.runner.pytest.argz: unknown key; did you mean 'args'?"
        in message
    )


def test_every_problem_is_reported_one_per_line(tmp_path, registry):
    text = GOOD.replace("workers: 4", "workers: many").replace("priority: 2", "priority: high")
    lines = error_of(write(tmp_path, text), registry).splitlines()
    assert lines == [
        "orch.yaml: $.applications.payment-service.priority: expected a whole number, got 'high'",
        "orch.yaml: $.execution.workers: expected a whole number, got 'many'",
    ]


def test_missing_application_directory(tmp_path, registry):
    message = error_of(write(tmp_path, GOOD.replace("apps/web", "apps/webb")), registry)
    assert message.startswith("orch.yaml: $.applications.web-frontend.path: directory 'apps/webb'")


def test_missing_required_key(tmp_path, registry):
    message = error_of(write(tmp_path, "applications:\n  pay: {runner: pytest}\n"), registry)
    assert message == "orch.yaml: $.applications.pay.path: required key is missing"


def test_values_out_of_range(tmp_path, registry):
    text = GOOD.replace("workers: 4", "workers: 0").replace("retries: 1", "retries: -1")
    assert error_of(write(tmp_path, text), registry).splitlines() == [
        "orch.yaml: $.execution.workers: must be between 1 and 1024",
        "orch.yaml: $.execution.retries: must be between 0 and 100",
    ]


def test_top_level_must_be_a_mapping(tmp_path, registry):
    assert "expected a mapping" in error_of(write(tmp_path, "- a\n- b\n"), registry)


def test_missing_file(tmp_path, registry):
    assert "workflow file not found" in error_of(tmp_path / "nope.yaml", registry)


ENVIRONMENT = """
applications:
  pay:
    path: apps/pay
    runner: pytest
    env:
      API_BASE_URL: "${API_BASE_URL}"
      DB_URL: "postgres://${DB_HOST:-localhost}:${DB_PORT:-5432}/pay"
      PRICE: "$$5 and ${EMPTY}"
    passenv: [CI_*, API_BASE_URL]
  web:
    path: apps/web
    runner: pytest
execution: {passenv: [GITHUB_*, CI_*]}
"""


def test_env_values_expand_variables_of_orchs_environment_with_defaults(
    tmp_path, registry, monkeypatch
):
    monkeypatch.setenv("API_BASE_URL", "http://staging.example")
    monkeypatch.setenv("DB_PORT", "6543")
    monkeypatch.delenv("DB_HOST", raising=False)
    monkeypatch.setenv("EMPTY", "")
    pay = load_workflow(write(tmp_path, ENVIRONMENT), registry).app("pay")
    assert pay.env == {
        "API_BASE_URL": "http://staging.example",
        "DB_URL": "postgres://localhost:6543/pay",
        "PRICE": "$5 and ",
    }


def test_passenv_of_execution_is_inherited_by_every_application(tmp_path, registry, monkeypatch):
    monkeypatch.setenv("API_BASE_URL", "x")
    monkeypatch.setenv("EMPTY", "")
    workflow = load_workflow(write(tmp_path, ENVIRONMENT), registry)
    assert workflow.app("pay").passenv == ("GITHUB_*", "CI_*", "API_BASE_URL")
    assert workflow.app("web").passenv == ("GITHUB_*", "CI_*")


def test_an_unset_variable_without_default_names_its_json_path_not_a_value(
    tmp_path, registry, monkeypatch
):
    monkeypatch.delenv("API_BASE_URL", raising=False)
    monkeypatch.delenv("EMPTY", raising=False)
    monkeypatch.setenv("DB_PORT", "secret-looking-value")
    message = error_of(write(tmp_path, ENVIRONMENT), registry)
    assert message.splitlines() == [
        "orch.yaml: $.applications.pay.env.API_BASE_URL: ${API_BASE_URL} is not set in orch's "
        "environment; set it, or give a default: ${API_BASE_URL:-value}",
        "orch.yaml: $.applications.pay.env.PRICE: ${EMPTY} is not set in orch's environment; "
        "set it, or give a default: ${EMPTY:-value}",
    ]
    assert "secret-looking-value" not in message


def test_malformed_references_and_passenv_entries_are_errors(tmp_path, registry):
    path = write(
        tmp_path,
        """
applications:
  pay:
    path: apps/pay
    runner: pytest
    env: {A: "${NOT A NAME}", B: "${1X:-d}"}
    passenv: ["TOKEN=abc"]
execution: {passenv: [""]}
""",
    )
    assert error_of(path, registry).splitlines() == [
        "orch.yaml: $.execution.passenv[0]: expected a variable name or glob such as CI_* "
        "(set values in env)",
        "orch.yaml: $.applications.pay.passenv[0]: expected a variable name or glob such as "
        "CI_* (set values in env)",
        "orch.yaml: $.applications.pay.env.A: '${NOT A NAME}' is not ${NAME} or "
        "${NAME:-default} (write $$ for a $)",
        "orch.yaml: $.applications.pay.env.B: '${1X:-d}' is not ${NAME} or ${NAME:-default} "
        "(write $$ for a $)",
    ]


def test_a_misspelled_application_suggests_the_closest(tmp_path, registry):
    workflow = load_workflow(write(tmp_path, GOOD), registry)
    with pytest.raises(ConfigError) as caught:
        workflow.only(["payment-servce"])
    assert "unknown application 'payment-servce'; did you mean 'payment-service'?" in str(
        caught.value
    )
    assert "(available: payment-service, web-frontend)" in str(caught.value)
