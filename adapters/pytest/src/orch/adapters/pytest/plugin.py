"""Registers the pytest runner and the Python change analysis with orch (entry point ``orch`` →
``pytest``)."""

from __future__ import annotations

from orch.adapters.pytest.analysis.impact import PythonImpact
from orch.adapters.pytest.runner import PytestRunner
from orch.ports import hookimpl


@hookimpl
def orch_register_test_runners() -> list[type]:
    """orch's pytest runner."""
    return [PytestRunner]


@hookimpl
def orch_register_change_impact() -> list[type]:
    """The Python import graph and pytest's conventions, for the apps pytest runs."""
    return [PythonImpact]
