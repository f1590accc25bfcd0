"""The workflow schema: blocks structured straight into the ports values, runner settings a tagged
union over whatever runners the registry holds, errors in the file's order."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import frozen

from orch.core import load_workflow
from orch.core.plugins import load_registry
from orch.ports import ConfigError, SelectSettings, hookimpl


@frozen
class BehaveSettings:
    """Settings of a runner core has never heard of."""

    features: tuple[str, ...]
    tags: str = ""


class Behave:
    PLUGIN_NAME = "behave"
    Settings = BehaveSettings
    selects_tests = False


class BehavePlugin:
    @hookimpl
    def orch_register_test_runners(self) -> list[type]:
        return [Behave]


@pytest.fixture
def behave_registry():
    return load_registry([BehavePlugin()], entry_points=False)


def load(tmp_path: Path, registry, text: str):
    (tmp_path / "apps" / "pay").mkdir(parents=True, exist_ok=True)
    (tmp_path / "orch.yaml").write_text(text)
    return load_workflow(tmp_path / "orch.yaml", registry)


def problems(tmp_path: Path, registry, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, registry, text)
    return str(caught.value).splitlines()


APP = "applications:\n  pay:\n    path: apps/pay\n"


def test_a_runner_s_block_is_structured_into_the_settings_it_declares(tmp_path, behave_registry):
    text = APP + "    runner: {behave: {features: [login.feature], tags: '@smoke'}}\n"
    app = load(tmp_path, behave_registry, text).app("pay")
    assert app.runner == "behave"
    assert app.settings == BehaveSettings(features=("login.feature",), tags="@smoke")


def test_another_runner_s_settings_under_it_are_unknown_keys_at_its_path(tmp_path, behave_registry):
    text = APP + "    runner: {behave: {features: [a], python: python3}}\n"
    assert problems(tmp_path, behave_registry, text) == [
        "orch.yaml: $.applications.pay.runner.behave.python: unknown key (valid: features, tags)"
    ]
    assert problems(tmp_path, behave_registry, APP + "    runner: behave\n") == [
        "orch.yaml: $.applications.pay.runner.behave.features: required key is missing"
    ]
    assert problems(tmp_path, behave_registry, APP + "    runner: behav\n") == [
        "orch.yaml: $.applications.pay.runner: unknown runner 'behav'; did you mean 'behave'? "
        "(available: behave)"
    ]


def test_renamed_and_nested_keys_fill_the_attributes_of_select_settings(tmp_path, registry):
    text = APP + (
        "    runner: pytest\n"
        "    select:\n"
        "      critical: [p0]\n"
        "      always_run: {markers: [smoke], paths: [tests/smoke]}\n"
        "      strategies: null\n"
    )
    select = load(tmp_path, registry, text).app("pay").select
    assert select == SelectSettings(
        always_run_markers=("smoke",), always_run_paths=("tests/smoke",), critical_markers=("p0",)
    )


def test_problems_follow_the_file_s_order_of_keys_not_the_value_s(tmp_path, registry):
    # Application declares paths before passenv; the file's schema lists passenv first
    text = APP + "    runner: pytest\n    paths: 3\n    passenv: 4\n    bogus: 1\n"
    assert problems(tmp_path, registry, text) == [
        "orch.yaml: $.applications.pay.passenv: expected a list of strings, got 4",
        "orch.yaml: $.applications.pay.paths: expected a list of strings, got 3",
        "orch.yaml: $.applications.pay.bogus: unknown key (valid: path, runner, priority, env, "
        "passenv, paths, timeout, retries, select, retry_timeouts, environment, isolation, "
        "test_type, test_data, health, criticality)",
    ]
