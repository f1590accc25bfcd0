"""Per-test coverage of a shard: recorded by the event plugin with coverage.py, read by orch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coverage import CoverageData
from pytest_adapter_projects import Ran, run_shard, write_app

from orch.adapters.pytest.coverage_data import read_lines
from orch.adapters.pytest.runner import COVERAGE_FILE, PytestRunner, PytestSettings
from orch.ports import Application, CoverageMap, EnvironmentProblem, Outcome, Shard

PROJECT = {
    "pytest.ini": "[pytest]\npythonpath = src\n",
    "src/calc.py": """
        def add(a, b):
            return a + b


        def sub(a, b):
            result = a - b
            return result


        def unused():
            return None
    """,
    "tests/conftest.py": """
        import sys
        from pathlib import Path

        import pytest

        sys.path.insert(0, str(Path(__file__).parent.parent / ".venv"))


        @pytest.fixture
        def difference():
            from calc import sub

            yield sub(5, 2)
    """,
    "tests/test_calc.py": """
        import pytest
        import vendored
        from calc import add, sub


        def test_add():
            assert add(1, 2) == 3


        def test_sub():
            assert sub(3, 2) == 1


        @pytest.mark.parametrize("a", [1, 2])
        def test_param(a):
            assert add(a, 0) == a


        class TestGroup:
            def test_member(self):
                assert sub(1, 1) == 0


        def test_fixture(difference):
            assert difference == 3


        def test_vendored():
            assert vendored.answer() == 42
    """,
    ".venv/vendored.py": "def answer():\n    return 42\n",
}

TESTS = "tests/test_calc.py"
ADD, SUB = (3,), (7, 8)
FIXTURE = (12, 14)
"""Lines of src/calc.py run by add and sub, and of tests/conftest.py by the fixture's body."""


def _run(
    tmp_path: Path, coverage: bool, args: tuple[str, ...] = ()
) -> tuple[Application, Shard, Ran]:
    app = write_app(tmp_path / "app", PROJECT, settings=PytestSettings(args=args))
    runner = PytestRunner()
    shard = Shard(app.name, tuple(runner.discover(app)), key="cov", coverage=coverage)
    return app, shard, run_shard(runner, app, shard, tmp_path / "scratch")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ran, CoverageMap | None]:
    tmp_path = tmp_path_factory.mktemp("coverage")
    app, shard, ran = _run(tmp_path, coverage=True)
    return ran, PytestRunner().coverage(app, shard, tmp_path / "scratch")


def test_each_test_has_the_lines_of_the_code_it_ran(
    recorded: tuple[Ran, CoverageMap | None],
) -> None:
    ran, coverage = recorded
    assert {r.outcome for r in ran.results.values()} == {Outcome.PASSED}
    assert coverage is not None
    assert (coverage.app, coverage.commit, coverage.stale) == ("app", "", ())
    assert coverage.lines["src/calc.py"] == {
        f"{TESTS}::test_add": ADD,
        f"{TESTS}::test_sub": SUB,
        f"{TESTS}::test_param[1]": ADD,
        f"{TESTS}::test_param[2]": ADD,
        f"{TESTS}::TestGroup::test_member": SUB,
        f"{TESTS}::test_fixture": SUB,
    }


def test_a_test_s_own_lines_and_its_fixture_s_count_for_it(
    recorded: tuple[Ran, CoverageMap | None],
) -> None:
    _, coverage = recorded
    assert coverage is not None
    assert coverage.lines["tests/conftest.py"] == {f"{TESTS}::test_fixture": FIXTURE}
    assert coverage.lines[TESTS][f"{TESTS}::test_add"] == (8,)
    assert coverage.lines[TESTS][f"{TESTS}::test_param[2]"] == (17,)
    assert coverage.lines[TESTS][f"{TESTS}::TestGroup::test_member"] == (22,)


def test_import_time_lines_and_code_outside_the_app_are_left_out(
    recorded: tuple[Ran, CoverageMap | None],
) -> None:
    _, coverage = recorded
    assert coverage is not None
    assert set(coverage.lines) == {"src/calc.py", "tests/conftest.py", TESTS}
    ran = {line for lines in coverage.lines["src/calc.py"].values() for line in lines}
    assert ran == {*ADD, *SUB}, "def lines run at import belong to no test"


def test_a_shard_without_coverage_records_nothing(tmp_path: Path) -> None:
    app, shard, ran = _run(tmp_path, coverage=False)
    assert ran.command.env["ORCH_COVERAGE"] == ""
    assert len(ran.results) == 7
    assert PytestRunner().coverage(app, shard, tmp_path / "scratch") is None
    assert not list((tmp_path / "scratch").glob(f"{COVERAGE_FILE}*"))


@pytest.mark.slow
def test_xdist_workers_record_their_own_tests(
    tmp_path: Path, recorded: tuple[Ran, CoverageMap | None]
) -> None:
    app, shard, ran = _run(tmp_path, coverage=True, args=("-n", "2"))
    assert len(ran.results) == 7
    coverage, expected = PytestRunner().coverage(app, shard, tmp_path / "scratch"), recorded[1]
    assert coverage is not None and expected is not None
    assert coverage.lines == expected.lines


def test_a_second_attempt_starts_from_no_data(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", PROJECT)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / COVERAGE_FILE).write_bytes(b"left over")
    (scratch / f"{COVERAGE_FILE}.gw0").write_bytes(b"left over")
    runner = PytestRunner()
    runner.command(app, Shard(app.name, (), coverage=True), scratch)
    assert not list(scratch.glob(f"{COVERAGE_FILE}*"))


def test_a_shard_that_recorded_nothing_has_an_empty_map(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", PROJECT)
    shard = Shard(app.name, (), coverage=True)
    PytestRunner().command(app, shard, tmp_path / "scratch")
    assert PytestRunner().coverage(app, shard, tmp_path / "scratch") == CoverageMap("app", "")


def test_unreadable_coverage_data_is_an_environment_problem(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", PROJECT)
    shard = Shard(app.name, (), coverage=True)
    scratch = tmp_path / "scratch"
    PytestRunner().command(app, shard, scratch)
    (scratch / COVERAGE_FILE).write_bytes(b"this is not a coverage data file\n" * 100)
    with pytest.raises(EnvironmentProblem) as problem:
        PytestRunner().coverage(app, shard, scratch)
    message = str(problem.value)
    assert message.startswith("app 'app': cannot read the coverage data")
    assert "-m pip install coverage==" in message and "\n" not in message


def test_coverage_py_failing_to_start_is_an_environment_problem(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", PROJECT)
    shard = Shard(app.name, (), coverage=True)
    scratch = tmp_path / "scratch"
    PytestRunner().command(app, shard, scratch)
    event = {"event": "coverage-error", "python": "py", "message": "CoverageException: boom"}
    (scratch / "events.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    with pytest.raises(EnvironmentProblem, match="could not record in .*: CoverageException: boom"):
        PytestRunner().coverage(app, shard, scratch)


def _data_file(path: Path, root: Path, arcs: bool) -> Path:
    """A coverage data file with two tests, import-time lines and a file outside ``root``."""
    data = CoverageData(basename=str(path))
    recorded = {
        "": {root / "m.py": [1, 2]},
        "t::a": {root / "m.py": [3, 4, 9], root / "pkg" / "n.py": [1], Path("/elsewhere.py"): [1]},
        "t::b[x]": {root / "m.py": [4]},
    }
    for context, files in recorded.items():
        data.set_context(context)
        if arcs:
            data.add_arcs(
                {
                    str(f): [(-1, lines[0]), *zip(lines, lines[1:], strict=False)]
                    for f, lines in files.items()
                }
            )
        else:
            data.add_lines({str(f): lines for f, lines in files.items()})
    data.write()
    return path


@pytest.mark.parametrize("arcs", [False, True], ids=["lines", "branches"])
def test_the_fast_reader_and_coverage_py_s_api_agree(tmp_path: Path, arcs: bool) -> None:
    root = tmp_path / "app"
    data = _data_file(tmp_path / "data", root, arcs)
    assert read_lines([data], root) == {
        "m.py": {"t::a": (3, 4, 9), "t::b[x]": (4,)},
        "pkg/n.py": {"t::a": (1,)},
    }
