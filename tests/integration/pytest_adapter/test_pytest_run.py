"""Running shards with real pytest processes: selection, order, outcomes, output, crashes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_adapter_projects import Ran, run_shard, write_app

from orch.adapters.pytest.interpreter import INJECT_DIR
from orch.adapters.pytest.runner import PytestRunner, PytestSettings
from orch.ports import Outcome, Shard, TestCase, TestStarted

OUTCOMES = {
    "tests/test_outcomes.py": """
        import sys

        import pytest

        @pytest.fixture
        def broken_setup():
            raise RuntimeError("setup went wrong")

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown went wrong")

        def test_pass():
            print("to stdout")
            print("to stderr", file=sys.stderr)

        def test_quiet():
            pass

        def test_fail():
            assert 1 == 2

        def test_setup_error(broken_setup):
            pass

        def test_teardown_error(broken_teardown):
            pass

        def test_fail_then_teardown_error(broken_teardown):
            assert False, "call first"

        @pytest.mark.skip(reason="not on Tuesdays")
        def test_skip():
            pass

        def test_skip_inside():
            pytest.skip("decided at run time")

        @pytest.mark.xfail(reason="known bug 42")
        def test_xfail():
            assert 0

        @pytest.mark.xfail(reason="maybe fixed")
        def test_xpass():
            pass

        @pytest.mark.xfail(reason="must fail", strict=True)
        def test_strict_xpass():
            pass

        def test_not_selected():
            pass

        @pytest.mark.parametrize("v", ["a b", "x[1]", "p::q"])
        def test_odd(v):
            pass

        class TestGroup:
            def test_member(self):
                pass
    """,
    "tests/test_other.py": "def test_other():\n    pass\n\ndef test_left_out():\n    pass\n",
    "tests/test_broken.py": "def test_broken(:\n    pass\n",
}

FILE = "tests/test_outcomes.py"
PICKED = [
    "tests/test_other.py::test_other",
    f"{FILE}::TestGroup::test_member",
    f"{FILE}::test_odd[p::q]",
    f"{FILE}::test_odd[a b]",
    f"{FILE}::test_strict_xpass",
    f"{FILE}::test_xpass",
    f"{FILE}::test_xfail",
    f"{FILE}::test_skip_inside",
    f"{FILE}::test_skip",
    f"{FILE}::test_fail_then_teardown_error",
    f"{FILE}::test_teardown_error",
    f"{FILE}::test_setup_error",
    f"{FILE}::test_fail",
    "tests/test_broken.py",
    f"{FILE}::test_pass",
    f"{FILE}::test_quiet",
]


def _name(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    base = tmp_path_factory.mktemp("run")
    app = write_app(base / "shop", OUTCOMES, settings=PytestSettings(args=("-q",)))
    runner = PytestRunner()
    cases = {case.nodeid: case for case in runner.discover(app)}
    shard = Shard(app.name, tuple(cases[nodeid] for nodeid in PICKED), key="s1", attempt=2)
    return run_shard(runner, app, shard, base / "scratch")


def test_only_the_shards_tests_run_in_the_shards_order(ran: Ran) -> None:
    started = [e.nodeid for e in ran.events if isinstance(e, TestStarted)]
    assert started == [nodeid for nodeid in PICKED if nodeid != "tests/test_broken.py"]
    assert set(ran.results) == set(PICKED)


def test_outcomes_are_combined_like_pytests_terminal(ran: Ran) -> None:
    outcomes = {_name(nodeid): r.outcome for nodeid, r in ran.results.items()}
    assert outcomes == {
        "test_other": Outcome.PASSED,
        "TestGroup::test_member": Outcome.PASSED,
        "test_odd[p::q]": Outcome.PASSED,
        "test_odd[a b]": Outcome.PASSED,
        "test_strict_xpass": Outcome.FAILED,
        "test_xpass": Outcome.XPASSED,
        "test_xfail": Outcome.XFAILED,
        "test_skip_inside": Outcome.SKIPPED,
        "test_skip": Outcome.SKIPPED,
        "test_fail_then_teardown_error": Outcome.FAILED,
        "test_teardown_error": Outcome.ERROR,
        "test_setup_error": Outcome.ERROR,
        "test_fail": Outcome.FAILED,
        "tests/test_broken.py": Outcome.ERROR,
        "test_pass": Outcome.PASSED,
        "test_quiet": Outcome.PASSED,
    }


def test_messages_are_one_line_reasons(ran: Ran) -> None:
    message = {_name(nodeid): r.message for nodeid, r in ran.results.items()}
    assert message["test_fail"] == "AssertionError: assert 1 == 2"
    assert message["test_setup_error"] == "RuntimeError: setup went wrong"
    assert message["test_teardown_error"] == "RuntimeError: teardown went wrong"
    assert message["test_fail_then_teardown_error"] == "AssertionError: call first"
    assert message["test_skip"] == "not on Tuesdays"
    assert message["test_skip_inside"] == "decided at run time"
    assert message["test_xfail"] == "known bug 42"
    assert message["test_xpass"] == "maybe fixed"
    assert message["test_strict_xpass"] == "[XPASS(strict)] must fail"
    assert message["tests/test_broken.py"].startswith("SyntaxError")
    assert message["test_pass"] == ""


def test_longrepr_output_duration_and_attempt_are_kept(ran: Ran) -> None:
    results = ran.results
    failed = results[f"{FILE}::test_fail"]
    assert "def test_fail():" in failed.longrepr
    assert "assert 1 == 2" in failed.longrepr
    both = results[f"{FILE}::test_fail_then_teardown_error"].longrepr
    assert "call first" in both
    assert "teardown went wrong" in both
    passed = results[f"{FILE}::test_pass"]
    assert (passed.stdout, passed.stderr) == ("to stdout\n", "to stderr\n")
    assert passed.file == FILE
    assert passed.duration > 0
    assert {r.attempt for r in results.values()} == {2}
    assert results[f"{FILE}::test_xfail"].markers == ("xfail",)
    assert "def test_broken(:" in results["tests/test_broken.py"].longrepr


def test_a_quiet_passing_test_is_two_event_lines_and_keeps_its_whole_duration(ran: Ran) -> None:
    # a passed setup or call with nothing to say rides on the teardown's line: half the parsing
    events = Path(ran.command.env["ORCH_EVENTS"])
    quiet = f"{FILE}::test_quiet"
    lines = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    mine = [(line["event"], line.get("when")) for line in lines if line.get("nodeid") == quiet]
    assert mine == [("start", None), ("phase", "teardown")]
    assert ran.results[quiet].outcome is Outcome.PASSED and ran.results[quiet].duration > 0
    noisy = [line.get("when") for line in lines if line.get("nodeid") == f"{FILE}::test_pass"]
    assert noisy == [None, "call", "teardown"], "a phase with output keeps its own line"


def test_the_command_lists_each_file_once_and_selects_by_nodeid(ran: Ran, tmp_path: Path) -> None:
    argv = ran.command.argv
    assert argv[1:5] == ("-m", "pytest", "-p", "orch_pytest_events")
    assert argv[-1] == "-q", "files are narrowed by ORCH_FILES, not by arguments"
    files = Path(ran.command.env["ORCH_FILES"]).read_text(encoding="utf-8").splitlines()
    assert files == ["tests/test_other.py", FILE, "tests/test_broken.py"]
    scratch = Path(ran.command.env["ORCH_EVENTS"]).parent
    assert argv[argv.index("--basetemp") + 1] == str(scratch / "basetemp")
    selected = Path(ran.command.env["ORCH_SELECT"]).read_text(encoding="utf-8").splitlines()
    assert selected == PICKED
    assert ran.command.env["PYTHONPATH"] == str(INJECT_DIR)
    assert {p.name for p in INJECT_DIR.iterdir()} - {"__pycache__"} == {
        "orch_pytest_events.py",
        "orch_pytest_flow.py",
    }
    assert ran.exit.returncode == 1
    assert ran.finished == []


def test_the_apps_pythonpath_follows_the_plugins(make_app, runner: PytestRunner) -> None:
    app = make_app({"tests/test_a.py": ""}, env={"PYTHONPATH": "src", "MODE": "ci"})
    shard = Shard(app.name, (TestCase(app.name, "tests/test_a.py::test_a", "tests/test_a.py"),))
    command = runner.command(app, shard, app.path / "scratch")
    assert command.env["PYTHONPATH"] == os.pathsep.join([str(INJECT_DIR), "src"])
    assert command.env["MODE"] == "ci"
    assert command.cwd == app.path


def test_a_process_that_dies_mid_shard_keeps_the_results_before_it(
    make_app, runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            "tests/test_die.py": """
                import os

                def test_before():
                    pass

                def test_dies():
                    os._exit(1)

                def test_after():
                    pass
            """
        }
    )
    shard = Shard(app.name, tuple(runner.discover(app)))
    ran = run_shard(runner, app, shard, tmp_path / "scratch")
    assert ran.exit.returncode == 1
    assert [e.nodeid for e in ran.events if isinstance(e, TestStarted)] == [
        "tests/test_die.py::test_before",
        "tests/test_die.py::test_dies",
    ]
    assert {n: r.outcome for n, r in ran.results.items()} == {
        "tests/test_die.py::test_before": Outcome.PASSED
    }


def test_a_pytest_usage_error_comes_back_as_one_error(
    make_app, runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {"tests/test_a.py": "def test_a(): pass\n"},
        settings=PytestSettings(args=("--no-such-option",)),
    )
    shard = Shard(app.name, (TestCase(app.name, "tests/test_a.py::test_a", "tests/test_a.py"),))
    ran = run_shard(runner, app, shard, tmp_path / "scratch")
    [error] = ran.finished
    assert ran.exit.returncode == 4
    assert (error.nodeid, error.outcome, error.file) == (
        "tests/test_a.py",
        Outcome.ERROR,
        "tests/test_a.py",
    )
    assert "usage error (exit code 4)" in error.message
    assert "--no-such-option" in error.message


def test_a_shard_without_tests_runs_the_apps_paths(
    make_app, runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            "tests/unit/test_u.py": "def test_u(): pass\n",
            "tests/slow/test_s.py": "def test_s(): pass\n",
        },
        paths=("tests/unit",),
    )
    ran = run_shard(runner, app, Shard(app.name, ()), tmp_path / "scratch")
    assert ran.command.argv[-1] == "tests/unit"
    assert ran.command.env["ORCH_SELECT"] == ""
    assert list(ran.results) == ["tests/unit/test_u.py::test_u"]
