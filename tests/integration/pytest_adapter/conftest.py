"""Fixtures of the pytest adapter tests: a runner and a project writer in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_adapter_projects import write_app

from orch.adapters.pytest.runner import PytestRunner
from orch.ports import Application


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Application]:
    """``make_app(files, **application_fields)`` writes a project in tmp_path/app."""
    return lambda files, **fields: write_app(tmp_path / "app", files, **fields)


@pytest.fixture
def runner() -> PytestRunner:
    return PytestRunner()
