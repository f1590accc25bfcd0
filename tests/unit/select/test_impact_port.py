"""Every change analysis answers the ChangeImpact port, and the installed ones register through
the ``orch_register_change_impact`` hook like every other adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.adapters.node.impact import NodeImpact
from orch.adapters.pytest.analysis.impact import PythonImpact
from orch.core.plugins import load_registry
from orch.ports import AppImpact, Application, ChangeImpact
from orch.testing.fake_impact import FakeAppImpact, FakeImpact


@pytest.mark.parametrize(
    ("impact", "runner"),
    [
        (PythonImpact(), "pytest"),
        (NodeImpact(), "node"),
        (FakeImpact({"web": FakeAppImpact()}), "x"),
    ],
)
def test_each_analysis_answers_the_port(tmp_path: Path, impact: ChangeImpact, runner: str):
    (tmp_path / "package.json").write_text("{}")
    analysis = impact.analyse(Application("web", tmp_path, runner), tmp_path / "cache")
    assert isinstance(impact, ChangeImpact)
    assert isinstance(analysis, AppImpact)


def test_an_analysis_answers_only_for_its_language(tmp_path: Path):
    cache = tmp_path / "cache"
    python_app = Application("api", tmp_path, "pytest")
    command_app = Application("web", tmp_path, "command")
    assert NodeImpact().analyse(command_app, cache) is None  # no package.json
    (tmp_path / "package.json").write_text("{}")
    assert NodeImpact().analyse(python_app, cache) is None  # pytest runs it: Python
    assert PythonImpact().analyse(command_app, cache) is None


def test_the_installed_analyses_are_registered():
    registry = load_registry()
    assert {"node", "python"} <= set(registry.names("impact"))
    assert registry.get("impact", "python") is PythonImpact
