"""Workflow files: good ones load, bad ones give one line per problem with file and JSON path."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from wall_clock import budget

from orch.core import load_workflow
from orch.core.shared.documents import yaml_loader
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


# --- hostile and mistaken files (issue 8): one line naming file, path and what was expected ----

APP = "applications:\n  pay:\n    path: apps/pay\n    runner: pytest\n"


def _one_line(tmp_path, registry, text: str, name: str = "orch.yaml") -> str:
    message = error_of(write(tmp_path, text, name), registry)
    assert "\n" not in message, message
    assert len(message) < 400, message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a non-string key beside an unknown one (sorting the keys raised TypeError)
        (
            "applications: {pay: {path: apps/pay, runner: pytest, 1: x, zz: y}}",
            'orch.yaml:1:54: $.applications.pay: key 1 is not a string; quote it ("1")',
        ),
        # regexes whose compilation raised OverflowError / RecursionError
        (
            APP + "triage: {categories: [{name: x, patterns: ['a{4294967296}']}]}",
            "orch.yaml: $.triage.categories[0].patterns[0]: not a valid regular expression: "
            "repeat count too big at position 2",
        ),
        (
            APP
            + "triage: {categories: [{name: x, patterns: ['"
            + "(" * 5000
            + ")" * 5000
            + "']}]}",
            "orch.yaml: $.triage.categories[0].patterns[0]: not a valid regular expression: "
            "nested too deeply",
        ),
        (
            APP + "    select: {mapping_rules: [{source: 'a{4294967296}', tests: x}]}",
            "orch.yaml: $.applications.pay.select.mapping_rules[0].source: not a valid regular "
            "expression: a repeat count is too large",
        ),
        (
            APP
            + "    select: {mapping_rules: [{source: '"
            + "(" * 3000
            + ")" * 3000
            + "', tests: x}]}",
            "orch.yaml: $.applications.pay.select.mapping_rules[0].source: not a valid regular "
            "expression: nested too deeply",
        ),
        # nesting past the limit, in YAML (flow and block) and JSON below
        ("x: " + "[" * 1000 + "]" * 1000, "nested deeper than 64 levels"),
        ("x: " + "[" * 100_000, "nested deeper than 64 levels"),
        # an integer beyond Python's 4,300-digit conversion limit
        (APP + "    priority: " + "9" * 5000, "$.applications.pay.priority: an integer of 5,000"),
        # NUL bytes and over-long names in paths
        (
            'applications:\n  pay: {path: "apps/\\0x", runner: pytest}',
            "orch.yaml:2:15: $.applications.pay.path: 'apps/\\x00x' holds a NUL character",
        ),
        (
            "applications:\n  pay: {path: '" + "x" * 300 + "', runner: pytest}",
            "has a name longer than the system allows",
        ),
        (APP + "triage: {allure_categories: '" + "y" * 300 + "'}", "longer than the system allows"),
        (APP + "triage: {codeowners: '" + "z" * 300 + "'}", "longer than the system allows"),
        (APP + 'triage: {codeowners: "CO\\0"}', "$.triage.codeowners: 'CO\\x00' holds a NUL"),
        # a million-item list where a whole number belongs stops at the limit
        (
            APP + "    priority: [" + ",".join(["1"] * 1_000_000) + "]",
            "$.applications.pay.priority: more than 100,000 items",
        ),
        # a 100,000-character string where a list belongs: one line, not one per character
        (
            APP + "    paths: '" + "x" * 100_000 + "'",
            "$.applications.pay.paths: a string of 100,000 characters; the limit is 65,536",
        ),
        # silently accepted before: a string or a mapping where a list belongs
        (
            APP + "    paths: tests",
            "orch.yaml: $.applications.pay.paths: expected a list of strings, got the string "
            "'tests' (write ['tests'] for a list of one)",
        ),
        (
            APP + "    select: {ignore: 'docs/*'}",
            "orch.yaml: $.applications.pay.select.ignore: expected a list of strings, got the "
            "string 'docs/*' (write ['docs/*'] for a list of one)",
        ),
        (
            APP + "    paths: {tests: 1}",
            "orch.yaml: $.applications.pay.paths: expected a list of strings, got a mapping of "
            "1 key",
        ),
        (
            "applications:\n  pay: {path: apps/pay, runner: {pytest: {args: '-q -x'}}}",
            "$.applications.pay.runner.pytest.args: expected a list of strings, got the string",
        ),
        # timeouts that are not finite numbers, absurd worker counts
        (
            APP + "execution: {timeout: .nan}",
            "orch.yaml: $.execution.timeout: expected a finite number of seconds (0: none), "
            "got .nan",
        ),
        (APP + "    timeout: .inf", "$.applications.pay.timeout: expected a finite number"),
        (
            APP + "execution: {workers: " + str(10**30) + "}",
            "orch.yaml: $.execution.workers: expected a whole number below 2**63",
        ),
        (APP + "execution: {workers: 100000}", "$.execution.workers: must be between 1 and 1024"),
        # duplicate keys (last won)
        (
            "applications:\n  pay: {path: apps/pay, runner: pytest}\n  pay: {path: apps/web}",
            "orch.yaml:3:3: $.applications.pay: duplicate key",
        ),
        # names and environments execve would refuse, caught before anything runs
        (
            "applications:\n  '': {path: apps/pay, runner: pytest}",
            "orch.yaml: $.applications['']: an application name must not be empty",
        ),
        (
            "applications:\n  'a::b': {path: apps/pay, runner: pytest}",
            "orch.yaml: $.applications['a::b']: an application name must not contain '::'",
        ),
        (
            'applications:\n  "a\\0b": {path: apps/pay, runner: pytest}',
            "orch.yaml:2:3: $.applications: 'a\\x00b' holds a NUL character",
        ),
        (APP + '    env: {A: "x\\0y"}', "$.applications.pay.env.A: 'x\\x00y' holds a NUL"),
        (
            APP + "    env: {'A=B': y}",
            "orch.yaml: $.applications.pay.env['A=B']: expected a variable name such as DB_HOST",
        ),
        (APP + "    env: {'': y}", "$.applications.pay.env['']: expected a variable name"),
        (
            'applications:\n  pay: {path: apps/pay, runner: {pytest: {args: ["-q\\0"]}}}',
            "$.applications.pay.runner.pytest.args[0]: '-q\\x00' holds a NUL character",
        ),
        (
            'applications:\n  pay: {path: apps/pay, runner: {command: {args: ["a\\0"]}}}',
            "$.applications.pay.runner.command.args[0]: 'a\\x00' holds a NUL character",
        ),
    ],
)
def test_each_class_of_bad_file_is_one_line_naming_the_path(tmp_path, registry, text, expected):
    assert expected in _one_line(tmp_path, registry, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"applications": {"pay": {}, "pay": {}}}', "orch.json: $.applications: duplicate key"),
        ("[" * 100_000 + "]" * 100_000, "orch.json: $: nested deeper than 64 levels"),
        ('{"x": ' + "[" * 200 + "]" * 200 + "}", "orch.json: $.x" + "[0]" * 20),
        ('{"x": ' + "1" * 5000 + "}", "orch.json: $.x: an integer of 5,000 digits"),
        ('{"x": "a\\u0000"}', "orch.json: $.x: 'a\\x00' holds a NUL character"),
    ],
)
def test_json_files_have_the_same_limits(tmp_path, registry, text, expected):
    assert expected in _one_line(tmp_path, registry, text, "orch.json")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-02-30", "$.applications.pay.priority: '2020-02-30' is not a valid timestamp"),
        ("!!int foo", "$.applications.pay.priority: 'foo' is not a valid int"),
        ("!!bool maybe", "$.applications.pay.priority: 'maybe' is not a valid bool"),
        ("!!python/object:os.system ls", "$.applications.pay.priority: unsupported tag"),
        ("*nothing", "$.applications.pay.priority: unknown alias *'nothing'"),
        ("&a [*a]", "$.applications.pay.priority[0]: unknown alias *'a'"),
    ],
)
def test_scalars_yaml_cannot_construct_are_one_line(tmp_path, registry, value, expected):
    text = f"applications: {{pay: {{path: apps/pay, runner: pytest, priority: {value}}}}}"
    assert expected in _one_line(tmp_path, registry, text)


def test_an_alias_bomb_where_a_string_belongs_is_described_not_formatted(tmp_path, registry):
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 6)]
    text = "defs:\n" + "".join(f"  {line}\n" for line in levels)
    text += "applications: {pay: {path: *a5, runner: pytest}}\n"  # 9**6 = 531,441 strings
    started = time.monotonic()
    lines = error_of(write(tmp_path, text), registry).splitlines()
    assert time.monotonic() - started < budget(1)
    assert lines == [
        "orch.yaml: $.applications.pay.path: expected a string, got a list of 9 items",
        "orch.yaml: $.defs: unknown key "
        "(valid: applications, environments, execution, triage, test_data, cross_app_tests, "
        "phases)",
    ]


def test_an_alias_bomb_past_the_value_limit_stops_there(tmp_path, registry):
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    started = time.monotonic()
    message = _one_line(tmp_path, registry, "\n".join(levels))
    assert time.monotonic() - started < budget(1)
    assert "more than 2,000,000 values (aliases count each use)" in message


def test_many_problems_are_cut_to_twenty_lines_and_a_count(tmp_path, registry):
    text = "applications:\n" + "".join(
        f"  a{i}: {{path: nope{i}, runner: pytest}}\n" for i in range(500)
    )
    lines = error_of(write(tmp_path, text), registry).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "orch.yaml: 480 more problems not shown; fix these first"


def test_a_non_utf8_codeowners_is_one_line(tmp_path, registry):
    (tmp_path / "OWNERS").write_bytes(b"* @team\n\xff\xfe\n")
    message = _one_line(tmp_path, registry, APP + "triage: {codeowners: OWNERS}")
    assert message == "OWNERS: not UTF-8 text (byte 8); save it as UTF-8"


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (
            [{"name": "x", "matchedStatuses": [["failed"]]}],
            "$[0].matchedStatuses[0]: unknown status a list of 1 item",
        ),
        ([{"name": "x", "matchedStatuses": [{"a": 1}]}], "unknown status a mapping of 1 key"),
        ([{"name": "x", "messageRegex": "a{4294967296}"}], "$[0].messageRegex: not a valid"),
        ([{"name": "x", "traceRegex": "(" * 5000}], "$[0].traceRegex: not a valid regular"),
    ],
)
def test_allure_categories_problems_are_one_line(tmp_path, registry, categories, expected):
    (tmp_path / "categories.json").write_text(json.dumps(categories))
    message = _one_line(tmp_path, registry, APP + "triage: {allure_categories: categories.json}")
    assert message.startswith("categories.json: $[0].") and expected in message


def test_yaml_merge_keys_still_work_and_explicit_keys_win(tmp_path, registry):
    text = """
applications:
  pay: {<<: {path: apps/web, runner: pytest, priority: 1}, path: apps/pay, priority: 5}
"""
    pay = load_workflow(write(tmp_path, text), registry).app("pay")
    assert pay.path.name == "pay" and pay.priority == 5 and pay.runner == "pytest"


def test_twenty_thousand_applications_load_in_seconds(tmp_path, registry):
    lines = ["applications:"]
    for i in range(20_000):
        (tmp_path / "apps" / f"a{i}").mkdir(parents=True)
        lines.append(
            f"  app-{i}: {{path: apps/a{i}, runner: {{pytest: {{args: [-q]}}}}, priority: {i}}}"
        )
    path = tmp_path / "orch.yaml"
    path.write_text("\n".join(lines))
    started = time.monotonic()
    workflow = load_workflow(path, registry)
    elapsed = time.monotonic() - started
    assert len(workflow.applications) == 20_000
    assert elapsed < budget(10), (
        f"20,000 applications took {elapsed:.1f}s"
    )  # was 50 s: list.count per app


def test_ten_megabytes_of_yaml_load_with_the_c_parser(tmp_path, registry):
    yaml = pytest.importorskip("yaml")
    assert yaml_loader() is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    lines = ["applications:", "  pay: {path: apps/pay, runner: pytest}", "triage:", "  routing:"]
    lines += [f"    category-{i:06}: team-{'x' * 80}" for i in range(100_000)]
    path = write(tmp_path, "\n".join(lines))
    assert path.stat().st_size > 10_000_000
    started = time.monotonic()
    workflow = load_workflow(path, registry)
    elapsed = time.monotonic() - started
    assert len(workflow.triage.routing.categories) == 100_000
    assert elapsed < budget(8), (
        f"10 MB of YAML took {elapsed:.1f}s (the pure-Python parser took 13 s)"
    )


def test_a_hundred_thousand_unknown_keys_cost_no_hundred_thousand_suggestions(tmp_path, registry):
    document = {"applications": {"pay": {"path": "apps/pay", "runner": "pytest"}}}
    document["execution"] = {f"wokers{i}": 1 for i in range(100_000)}
    path = write(tmp_path, json.dumps(document), "orch.json")
    started = time.monotonic()
    lines = error_of(path, registry).splitlines()
    assert time.monotonic() - started < budget(3)  # a suggestion each took 4 s
    assert lines[0] == "orch.json: $.execution.wokers0: unknown key; did you mean 'workers'? " + (
        "(valid: workers, timeout, shard_timeout, retries, retry_timeouts, heartbeat, passenv, "
        "output, isolation, priority)"
    )
    assert lines[-1] == "orch.json: 99,980 more problems not shown; fix these first"
