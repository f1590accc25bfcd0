"""A command imports only the adapters it uses: ``orch --help``, ``orch status`` and
``orch select`` never import the issue trackers (jira, github) or ``requests``.

Each command runs in its own interpreter, through ``orch.cli.main`` as the console script does,
and then writes down every module that interpreter imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from git_repo import GitRepo

PROBE = """
import json, sys
from orch.cli.main import main
listing, sys.argv = sys.argv[1], ["orch", *sys.argv[2:]]
try:
    main()
finally:
    with open(listing, "w") as out:
        json.dump(sorted(sys.modules), out)
"""
"""Runs ``orch ARGS...`` and writes the names of the imported modules to the file given first."""

TRACKERS = ("orch.adapters.jira", "orch.adapters.github", "requests", "jira", "github")


def imported_by(project: Path, *args: str) -> set[str]:
    """The modules an ``orch *args`` run in ``project`` imported (it must succeed)."""
    listing = project.parent / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(listing), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(listing.read_text()))


def under(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(
        m for m in modules if m in packages or m.startswith(tuple(f"{p}." for p in packages))
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pytest project in git with one recorded run, so ``orch status`` has something to show,
    and a change, so ``orch select`` selects something (the commands only read it)."""
    tmp_path = tmp_path_factory.mktemp("lazy")
    repo = GitRepo(tmp_path / "project")
    repo.init(
        {
            "src/money.py": "def add(a, b):\n    return a + b\n",
            "tests/test_money.py": """
                from money import add

                def test_add():
                    assert add(1, 2) == 3
                """,
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
        }
    )
    listed = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "run.json"), "run", "."],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    repo.edit("src/money.py", "a + b", "b + a")
    return repo.root


@pytest.mark.parametrize("args", [("--help",), ("status",), ("select",), ("runs",)])
def test_a_command_imports_no_issue_tracker(project: Path, args: tuple[str, ...]) -> None:
    assert under(imported_by(project, *args), TRACKERS) == []


def test_help_imports_no_adapter_and_status_only_the_store(project: Path) -> None:
    assert under(imported_by(project, "--help"), ("orch.adapters",)) == []
    status = under(imported_by(project, "status"), ("orch.adapters",))
    assert "orch.adapters.local.store" in status
    assert under(set(status), ("orch.adapters.pytest", "orch.adapters.git")) == []


def test_select_imports_the_runner_and_vcs_it_uses(project: Path) -> None:
    modules = imported_by(project, "select")
    assert {"orch.adapters.pytest.runner", "orch.adapters.git.vcs"} <= modules


def test_listing_the_plugins_imports_every_adapter(project: Path) -> None:
    modules = imported_by(project, "plugins")
    assert {"orch.adapters.jira.plugin", "orch.adapters.github.plugin"} <= modules


def test_run_imports_only_the_runner_it_uses_and_no_other_command(project: Path) -> None:
    modules = set(json.loads((project.parent / "run.json").read_text()))
    assert "orch.adapters.pytest.runner" in modules
    assert under(modules, ("orch.adapters.junit", "orch.adapters.node", "lxml")) == []
    assert under(modules, ("orch.cli.triage", "orch.cli.inbox", "orch.cli.plugins")) == []
    provisioning = ("orch.adapters.docker", "docker", "orch.adapters.local.provisioning")
    assert under(modules, (*provisioning, "orch.core.environment")) == []  # it names none


def test_every_command_is_listed_with_the_module_that_holds_it() -> None:
    from orch.cli.main import COMMAND_MODULES, cli, register_commands

    register_commands()
    assert sorted(cli.commands) == sorted(COMMAND_MODULES)
    for name, command in cli.commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == COMMAND_MODULES[name]
