"""Registers the pytest runner with orch (entry point ``orch`` → ``pytest``)."""

from __future__ import annotations

from orch.adapters.pytest.runner import PytestRunner
from orch.ports import hookimpl


@hookimpl
def orch_register_test_runners() -> list[type]:
    """orch's pytest runner."""
    return [PytestRunner]
