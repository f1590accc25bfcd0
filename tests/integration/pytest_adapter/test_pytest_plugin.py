"""The pytest runner registers through the ``orch`` entry point like any third-party adapter."""

from __future__ import annotations

from importlib.metadata import entry_points

from orch.adapters.pytest import plugin
from orch.adapters.pytest.runner import PytestRunner


def test_the_entry_point_registers_the_pytest_runner() -> None:
    [entry] = [ep for ep in entry_points(group="orch") if ep.name == "pytest"]
    assert entry.load() is plugin
    assert plugin.orch_register_test_runners() == [PytestRunner]
    assert PytestRunner.PLUGIN_NAME == "pytest"
    assert PytestRunner.selects_tests is True


def test_settings_default_to_no_args_and_the_running_interpreter() -> None:
    settings = PytestRunner.Settings(args=["-x", "--tb=short"])
    assert settings.args == ("-x", "--tb=short")
    assert PytestRunner.Settings() == PytestRunner.Settings(args=(), python=None)
