"""Shared fixtures of core unit tests: a registry holding only fakes."""

from __future__ import annotations

import pytest
from attrs import frozen

from orch.core.plugins import load_registry
from orch.ports import hookimpl


@frozen
class PytestLikeSettings:
    """Settings shaped like the pytest runner's, to test config structuring."""

    args: tuple[str, ...] = ()
    python: str | None = None


class PytestLike:
    PLUGIN_NAME = "pytest"
    Settings = PytestLikeSettings
    selects_tests = True


class CommandLike:
    PLUGIN_NAME = "command"
    Settings = PytestLikeSettings
    selects_tests = False


class FakePlugin:
    @hookimpl
    def orch_register_test_runners(self):
        return [PytestLike, CommandLike]


@pytest.fixture
def registry():
    return load_registry([FakePlugin()], entry_points=False)
