"""An app with its own interpreter, pytest 7 or 8 and no orch (nor coverage.py) installed, is
discovered and run."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_adapter_projects import run_shard, write_app

from orch.adapters.pytest.interpreter import INJECT_DIR
from orch.adapters.pytest.runner import PytestRunner, PytestSettings
from orch.ports import EnvironmentProblem, Outcome, Shard

pytestmark = pytest.mark.slow

PROJECT = {
    "tests/test_isolated.py": """
        import importlib.util
        import sys

        import pytest

        def test_orch_is_not_importable_here():
            assert importlib.util.find_spec("orch") is None
            assert [m for m in sys.modules if m.startswith("orch")] == ["orch_pytest_events"]

        def test_pytest_version():
            assert pytest.__version__.split(".")[0] in ("7", "8")

        @pytest.mark.xfail(reason="old pytest too")
        def test_xfail():
            assert False
    """
}


@pytest.fixture(scope="module", params=["pytest==7.4.4", "pytest==8.3.5"])
def venv_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is needed to build an interpreter without orch")
    venv = tmp_path_factory.mktemp("venv") / ".venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "-q", "--python", python, request.param], check=True)
    return python


def test_an_interpreter_without_orch_discovers_and_runs(venv_python: Path, tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "legacy",
        PROJECT,
        settings=PytestSettings(python=str(venv_python)),
    )
    runner = PytestRunner()
    cases = runner.discover(app)
    assert [case.nodeid.split("::")[1] for case in cases] == [
        "test_orch_is_not_importable_here",
        "test_pytest_version",
        "test_xfail",
    ]
    ran = run_shard(runner, app, Shard(app.name, tuple(cases)), tmp_path / "scratch")
    assert ran.command.argv[0] == str(venv_python)
    assert {n.split("::")[1]: r.outcome for n, r in ran.results.items()} == {
        "test_orch_is_not_importable_here": Outcome.PASSED,
        "test_pytest_version": Outcome.PASSED,
        "test_xfail": Outcome.XFAILED,
    }


def test_coverage_needs_coverage_py_in_the_app_s_interpreter_and_says_so(
    venv_python: Path, tmp_path: Path
) -> None:
    app = write_app(tmp_path / "legacy", PROJECT, settings=PytestSettings(python=str(venv_python)))
    runner = PytestRunner()
    shard = Shard(app.name, tuple(runner.discover(app)), coverage=True)
    ran = run_shard(runner, app, shard, tmp_path / "scratch")
    assert len(ran.results) == 3
    assert ran.results[shard.nodeids[0]].outcome == Outcome.PASSED
    with pytest.raises(EnvironmentProblem) as problem:
        runner.coverage(app, shard, tmp_path / "scratch")
    assert str(problem.value) == (
        f"app 'legacy': coverage.py is not installed for {venv_python}; install it there "
        f"({venv_python} -m pip install coverage) to use --record-coverage"
    )


def _imports(nodes: list[ast.stmt]) -> set[str]:
    imported = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    return imported


def test_the_event_plugin_imports_only_the_standard_library_and_pytest() -> None:
    tree = ast.parse((INJECT_DIR / "orch_pytest_events.py").read_text(encoding="utf-8"))
    at_import = _imports(tree.body)
    assert at_import - set(sys.stdlib_module_names) == {"pytest"}
    lazily = _imports([node for node in ast.walk(tree) if node not in tree.body]) - at_import
    assert lazily - set(sys.stdlib_module_names) == {"coverage"}, "only with ORCH_COVERAGE"
