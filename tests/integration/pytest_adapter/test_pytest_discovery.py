"""Discovery by a real ``pytest --collect-only``: ids exactly as pytest prints them, errors kept;
the collection cache, and shards that discover and run in one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_adapter_projects import run_shard, write_app

from orch.adapters.pytest.runner import PytestRunner, PytestSettings
from orch.ports import Application, EnvironmentProblem, Outcome, Shard, TestCase, TestsCollected

PROJECT = {
    "pytest.ini": """
        [pytest]
        markers =
            slow: slow
            smoke: smoke
    """,
    "conftest.py": "",
    "tests/test_plain.py": """
        import pytest

        def test_one():
            pass

        @pytest.mark.smoke
        @pytest.mark.slow
        def test_marked():
            pass

        @pytest.mark.parametrize("value", ["a b", "x[1]", "p::q", "dé"])
        def test_odd(value):
            pass

        class TestGroup:
            pytestmark = pytest.mark.slow

            def test_member(self):
                pass
    """,
    "tests/unit/test_syntax.py": "def test_broken(:\n    pass\n",
    "tests/unit/test_imports.py": "import module_that_does_not_exist\n",
    "tests/unit/test_fine.py": "def test_fine():\n    pass\n",
}


def _snapshot(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def discovered(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Application, list[TestCase], bool]:
    app = write_app(tmp_path_factory.mktemp("discovery") / "shop", PROJECT)
    before = _snapshot(app.path)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)  # as on a developer's machine
        cases = PytestRunner().discover(app)
    return app, cases, _snapshot(app.path) == before


def test_ids_are_pytests_own_with_files_relative_to_the_app(discovered) -> None:
    app, cases, _ = discovered
    by_id = {case.nodeid: case for case in cases}
    assert [c.nodeid for c in cases if c.file == "tests/test_plain.py"] == [
        "tests/test_plain.py::test_one",
        "tests/test_plain.py::test_marked",
        "tests/test_plain.py::test_odd[a b]",
        "tests/test_plain.py::test_odd[x[1]]",
        "tests/test_plain.py::test_odd[p::q]",
        "tests/test_plain.py::test_odd[d\\xe9]",
        "tests/test_plain.py::TestGroup::test_member",
    ]
    assert by_id["tests/unit/test_fine.py::test_fine"].file == "tests/unit/test_fine.py"
    assert {case.app for case in cases} == {"shop"}


def test_markers_are_the_names_of_each_items_markers(discovered) -> None:
    _, cases, _ = discovered
    markers = {case.nodeid: set(case.markers) for case in cases}
    assert markers["tests/test_plain.py::test_one"] == set()
    assert markers["tests/test_plain.py::test_marked"] == {"smoke", "slow"}
    assert markers["tests/test_plain.py::TestGroup::test_member"] == {"slow"}
    assert "parametrize" in markers["tests/test_plain.py::test_odd[a b]"]


def test_files_that_do_not_collect_become_collect_error_cases(discovered) -> None:
    _, cases, _ = discovered
    errors = {case.nodeid: case for case in cases if "orch:collect-error" in case.markers}
    assert set(errors) == {"tests/unit/test_syntax.py", "tests/unit/test_imports.py"}
    assert errors["tests/unit/test_syntax.py"].file == "tests/unit/test_syntax.py"


def test_discovery_leaves_the_app_untouched(discovered) -> None:
    assert discovered[2], "discovery created or changed files in the app"


def test_paths_limit_discovery(make_app, runner: PytestRunner) -> None:
    app = make_app(
        {
            "tests/unit/test_u.py": "def test_u(): pass\n",
            "tests/e2e/test_e.py": "def test_e(): pass\n",
        },
        paths=("tests/unit",),
    )
    assert [case.nodeid for case in runner.discover(app)] == ["tests/unit/test_u.py::test_u"]


def test_an_app_without_tests_has_none(make_app, runner: PytestRunner) -> None:
    assert runner.discover(make_app({"README": "no tests here\n"})) == []


def test_an_ini_file_above_the_app_keeps_files_relative_to_the_app(
    tmp_path: Path, runner: PytestRunner
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    app = write_app(tmp_path / "apps" / "billing", {"tests/test_b.py": "def test_b(): pass\n"})
    [case] = runner.discover(app)
    assert case.nodeid == "apps/billing/tests/test_b.py::test_b"
    assert case.file == "tests/test_b.py"
    ran = run_shard(runner, app, Shard(app.name, (case,)), tmp_path / "scratch")
    assert Path(ran.command.env["ORCH_FILES"]).read_text() == "tests/test_b.py\n"
    assert [(r.nodeid, r.outcome, r.file) for r in ran.results.values()] == [
        (case.nodeid, Outcome.PASSED, "tests/test_b.py")
    ]


def test_a_missing_interpreter_is_an_environment_problem(make_app, runner: PytestRunner) -> None:
    app = make_app({"tests/test_a.py": ""}, settings=PytestSettings(python=".venv/bin/python"))
    with pytest.raises(EnvironmentProblem, match=r"app 'app'.*\.venv/bin/python does not exist"):
        runner.discover(app)
    with pytest.raises(EnvironmentProblem, match="does not exist"):
        runner.command(app, _shard(app), app.path / "scratch")


def test_a_missing_app_directory_is_an_environment_problem(
    tmp_path: Path, runner: PytestRunner
) -> None:
    app = Application(name="gone", path=tmp_path / "gone", runner="pytest")
    with pytest.raises(EnvironmentProblem, match=r"app 'gone': directory .*gone does not exist"):
        runner.discover(app)


def test_an_interpreter_without_pytest_is_an_environment_problem(
    make_app, runner: PytestRunner, tmp_path: Path
) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp_path / "bare"], check=True)
    app = make_app(
        {"tests/test_a.py": "def test_a(): pass\n"},
        settings=PytestSettings(python=str(tmp_path / "bare" / "bin" / "python")),
    )
    with pytest.raises(EnvironmentProblem, match="pytest is not importable by .*bare/bin/python"):
        runner.discover(app)


def test_an_interpreter_path_is_relative_to_the_app(make_app, runner: PytestRunner) -> None:
    app = make_app({"tests/test_a.py": ""}, settings=PytestSettings(python="../py"))
    (app.path.parent / "py").symlink_to(sys.executable)
    command = runner.command(app, _shard(app), app.path / "scratch")
    assert command.argv[0] == str(app.path / "../py")


def _shard(app: Application) -> Shard:
    return Shard(app.name, (TestCase(app.name, "tests/test_a.py::test_a", "tests/test_a.py"),))


COUNTED = {
    # every collection imports this conftest once: the log outside the app counts collections
    "conftest.py": """
        from pathlib import Path

        with open(Path(__file__).parent.parent / "collections.log", "a") as log:
            log.write("collected\\n")
    """,
    "pytest.ini": "[pytest]\n",
    "tests/test_a.py": "def test_a():\n    pass\n",
}


def _collections(app: Application) -> int:
    log = app.path.parent / "collections.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def _later(path: Path) -> None:
    """Give ``path`` a newer mtime, as an editor saving it would (coarse clocks included)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_collection_is_cached_until_a_file_collection_reads_changes(
    make_app, runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(COUNTED)
    runner.cache_in(tmp_path / "cache")
    first = runner.discover(app)
    assert [case.nodeid for case in first] == ["tests/test_a.py::test_a"]
    assert runner.discover(app) == first and _collections(app) == 1, "the cache was not used"

    (app.path / "tests" / "test_b.py").write_text("def test_b():\n    pass\n")
    assert len(runner.discover(app)) == 2 and _collections(app) == 2, "a new test file"
    assert len(runner.discover(app)) == 2 and _collections(app) == 2

    test_a = app.path / "tests" / "test_a.py"
    test_a.write_text("def test_a():\n    pass\n\ndef test_a2():\n    pass\n")
    _later(test_a)
    assert len(runner.discover(app)) == 3 and _collections(app) == 3, "an edited test file"

    ini = app.path / "pytest.ini"
    ini.write_text("[pytest]\npython_functions = test_a*\n")
    _later(ini)
    assert len(runner.discover(app)) == 2 and _collections(app) == 4, "an edited pytest.ini"

    conftest = app.path / "conftest.py"
    _later(conftest)
    runner.discover(app)
    assert _collections(app) == 5, "a touched conftest.py"


def test_without_a_cache_folder_every_discovery_collects(make_app, runner: PytestRunner) -> None:
    app = make_app(COUNTED)
    runner.discover(app)
    runner.discover(app)
    assert _collections(app) == 2


def test_a_shard_without_tests_reports_what_it_collected_then_runs_it(
    make_app, runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            **COUNTED,
            "tests/test_b.py": "import pytest\n\n@pytest.mark.slow\ndef test_b():\n    pass\n",
        }
    )
    ran = run_shard(runner, app, Shard(app.name, ()), tmp_path / "scratch")
    [collected] = [event for event in ran.events if isinstance(event, TestsCollected)]
    assert [(t.nodeid, t.file, t.markers) for t in collected.tests] == [
        ("tests/test_a.py::test_a", "tests/test_a.py", ()),
        ("tests/test_b.py::test_b", "tests/test_b.py", ("slow",)),
    ]
    assert ran.events.index(collected) == 0, "reported before the first test starts"
    assert {nodeid: r.outcome for nodeid, r in ran.results.items()} == {
        "tests/test_a.py::test_a": Outcome.PASSED,
        "tests/test_b.py::test_b": Outcome.PASSED,
    }
    assert _collections(app) == 1, "discovered and ran in one process"


def test_a_shard_without_tests_that_dies_before_reporting_is_an_error(
    make_app, runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app({"conftest.py": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"})
    ran = run_shard(runner, app, Shard(app.name, ()), tmp_path / "scratch")
    assert ran.exit.returncode == -9
    [error] = ran.finished
    assert (error.nodeid, error.outcome) == ("app", Outcome.ERROR)
    assert "ended before reporting any test" in error.message
