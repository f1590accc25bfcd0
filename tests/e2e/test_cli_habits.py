"""The habits a pytest user brings to ``orch run`` (issue 7, items 5 and 6), on real projects.

Paths and ids as arguments, ``-k``/``-m`` as pytest reads them, ``--lf`` from the store, ``--``
for the runner, one spelling of the directory option, and the environment tests see.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from orch_cli import ORCH, Orch, outcomes, write_files

PAY_TESTS = """
import os
import pytest

def test_charge():
    pass

def test_refund():
    assert False, "refund is broken"

@pytest.mark.slow
def test_settlement():
    pass

@pytest.mark.parametrize("currency", ["eur", "usd"])
def test_convert(currency):
    pass

@pytest.fixture
def broken():
    raise RuntimeError("fixture is broken")

def test_uses_broken(broken):
    pass
"""


def monorepo(root: Path) -> Path:
    """A workflow with two pytest applications, one of them with a test a name away."""
    return write_files(
        root,
        {
            "orch.yaml": """
                applications:
                  pay:
                    path: apps/pay
                    runner: pytest
                  web:
                    path: apps/web
                    runner: pytest
            """,
            "apps/pay/tests/test_pay.py": PAY_TESTS,
            "apps/pay/tests/test_more.py": "def test_more():\n    pass\n",
            "apps/web/tests/test_web.py": "def test_page():\n    pass\n",
        },
    )


def ran(report: dict) -> set[str]:
    return {test["id"] for test in report["tests"]}


def run_json(orch: Orch, *args: str, env: dict | None = None) -> tuple[int, dict, str]:
    """``orch run ARGS --format json`` (with extra environment): exit code, report, stderr."""
    done = subprocess.run(
        [ORCH, "run", "--format", "json", *args],
        cwd=orch.cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**_clean_env(), **(env or {})},
    )
    try:
        return done.returncode, json.loads(done.stdout), done.stderr
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON (exit {done.returncode}): {done.stderr}") from None


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}


def pytest_collects(app: Path, *args: str) -> set[str]:
    """The nodeids plain pytest collects in ``app`` with ``args`` (what orch must match)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=app,
        capture_output=True,
        text=True,
    )
    return {line for line in done.stdout.splitlines() if "::" in line}


# -- paths and ids -----------------------------------------------------------------------------


def test_a_workflow_file_as_the_argument_runs_that_workflow(tmp_path):
    repo = monorepo(tmp_path / "repo")
    (repo / "orch.yaml").rename(repo / "nightly.yaml")  # any name, as with -w
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, report, _ = run_json(Orch(elsewhere), str(repo / "nightly.yaml"))
    assert code == 1
    assert {t["app"] for t in report["tests"]} == {"pay", "web"}
    assert (tmp_path / "repo" / ".orch").is_dir() and not (elsewhere / ".orch").exists()


def test_a_test_id_from_the_workflow_root_picks_its_application_and_that_test(tmp_path, orch):
    monorepo(tmp_path)
    code, report, _ = run_json(orch, "apps/pay/tests/test_pay.py::test_charge")
    assert code == 0
    assert ran(report) == {"pay::tests/test_pay.py::test_charge"}

    code, report, _ = run_json(orch, "apps/pay/tests/test_more.py", "apps/web")
    assert code == 0
    assert ran(report) == {
        "pay::tests/test_more.py::test_more",
        "web::tests/test_web.py::test_page",
    }


def test_a_test_file_and_id_narrow_a_plain_pytest_project(tmp_path, orch):
    write_files(tmp_path, {"tests/test_pay.py": PAY_TESTS, "tests/test_b.py": "def test_b(): pass"})
    app = tmp_path.name
    code, report, _ = run_json(orch, "tests/test_pay.py::test_convert")
    assert code == 0
    assert ran(report) == {
        f"{app}::tests/test_pay.py::test_convert[eur]",
        f"{app}::tests/test_pay.py::test_convert[usd]",
    }
    code, report, _ = run_json(orch, "tests/test_b.py")
    assert code == 0 and ran(report) == {f"{app}::tests/test_b.py::test_b"}


def test_a_path_in_no_application_or_missing_is_one_line_and_exit_2(tmp_path, orch):
    monorepo(tmp_path)
    write_files(tmp_path, {"docs/test_readme.py": "def test_x(): pass"})
    done = orch("run", "docs/test_readme.py")
    assert done.returncode == 2
    assert done.stderr.startswith("orch: error: docs/test_readme.py: in no application of ")
    assert "pay in " in done.stderr and len(done.stderr.splitlines()) == 1
    done = orch("run", "apps/pay/tests/test_nope.py")
    assert done.returncode == 2
    assert "apps/pay/tests/test_nope.py: no such file or directory" in done.stderr


# -- -k, -m, --lf, -- --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [("-k", "charge or convert"), ("-k", "not refund and not broken"), ("-m", "slow")],
    ids=["k-or", "k-not", "m"],
)
def test_k_and_m_select_what_pytest_selects(tmp_path, orch, option):
    monorepo(tmp_path)
    _, report, _ = run_json(orch, "apps/pay", *option)
    expected = pytest_collects(tmp_path / "apps" / "pay", *option)
    assert expected, "the expression selects something in plain pytest"
    assert ran(report) == {f"pay::{nodeid}" for nodeid in expected}


def test_last_failed_reruns_what_failed_or_errored_and_everything_when_nothing_did(tmp_path, orch):
    monorepo(tmp_path)
    code, report, stderr = run_json(orch, "--lf")
    assert "--lf: no failed tests (no run recorded yet); running everything" in stderr
    assert code == 1 and len(report["tests"]) == 8

    code, report, stderr = run_json(orch, "--last-failed")
    assert code == 1
    assert outcomes(report) == {
        "tests/test_pay.py::test_refund": "failed",
        "tests/test_pay.py::test_uses_broken": "error",
    }
    assert "--lf: running the 2 failed test(s) of run " in stderr

    test_file = tmp_path / "apps" / "pay" / "tests" / "test_pay.py"
    test_file.write_text(
        test_file.read_text()
        .replace('assert False, "refund is broken"', "pass")
        .replace('raise RuntimeError("fixture is broken")', "return 1")
    )
    code, report, _ = run_json(orch, "--lf")
    assert code == 0 and set(outcomes(report).values()) == {"passed"} and len(report["tests"]) == 2

    code, report, stderr = run_json(orch, "--lf")
    assert "--lf: no failed tests in run " in stderr and "running everything" in stderr
    assert code == 0 and len(report["tests"]) == 8


def test_arguments_after_double_dash_reach_pytest_in_collection_and_in_every_shard(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "conftest.py": """
                def pytest_addoption(parser):
                    parser.addoption("--greeting", default="none")
            """,
            "tests/test_greet.py": """
                import pytest

                @pytest.mark.parametrize("n", range(4))
                def test_greeting(request, n):
                    assert request.config.getoption("greeting") == "hello"
            """,
        },
    )
    code, report, _ = run_json(orch, ".", "-n", "2")
    assert code == 1 and set(outcomes(report).values()) == {"failed"}
    code, report, _ = run_json(orch, ".", "-n", "2", "--", "--greeting=hello", "--tb=short")
    assert code == 0 and len(report["tests"]) == 4


def test_a_misspelled_app_suggests_the_closest_name(tmp_path, orch):
    monorepo(tmp_path)
    done = orch("run", "--app", "pya")
    assert done.returncode == 2
    assert "unknown application 'pya'; did you mean 'pay'? (available: pay, web)" in done.stderr


def test_a_resumed_run_keeps_its_paths_and_expressions(tmp_path, orch):
    monorepo(tmp_path)
    gate = tmp_path / "gate"
    write_files(
        tmp_path,
        {
            "apps/pay/tests/test_slow.py": f"""
                import time
                from pathlib import Path

                def test_first():
                    pass

                def test_waits():
                    deadline = time.monotonic() + 60
                    while not Path({str(gate)!r}).exists() and time.monotonic() < deadline:
                        time.sleep(0.05)

                def test_last():
                    pass

                def test_dropped_by_k():
                    pass
            """
        },
    )
    argv = [ORCH, "run", "apps/pay/tests/test_slow.py", "-k", "not dropped", "-n", "1"]
    running = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_clean_env()
    )
    run_id = _wait_for_a_passed_test(tmp_path)
    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    gate.touch()

    code, report, _ = run_json(orch, "--resume", run_id)
    assert code == 0 and report["run"]["id"] == run_id
    assert ran(report) == {
        "pay::tests/test_slow.py::test_first",
        "pay::tests/test_slow.py::test_waits",
        "pay::tests/test_slow.py::test_last",
    }


def _wait_for_a_passed_test(root: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = subprocess.run(
            [ORCH, "status", "-C", str(root), "--format", "json"], capture_output=True, text=True
        )
        if done.returncode == 0:
            status = json.loads(done.stdout)
            if status["counts"]["passed"] >= 1 and status["running"]:
                return status["run"]
        time.sleep(0.1)
    raise AssertionError("the run never got going")


# -- one spelling of the directory -------------------------------------------------------------


def test_every_project_command_takes_dir_and_dash_c_alike(tmp_path):
    monorepo(tmp_path / "repo")
    repo = str(tmp_path / "repo")
    orch = Orch(tmp_path)
    assert orch("run", "-C", repo, "apps/web").returncode == 0  # paths relative to -C, as git's
    by_argument, by_option = orch("runs", repo), orch("runs", "--directory", repo)
    assert by_argument.returncode == by_option.returncode == 0, by_option.stderr
    assert by_argument.stdout == by_option.stdout and len(by_option.stdout.splitlines()) == 1
    assert orch("select", "-C", repo).returncode == 0
    assert orch("status", "-C", repo).returncode == 0
    assert orch("triage", "--directory", repo).returncode == 0
    clash = orch("runs", repo, "-C", str(tmp_path))
    assert clash.returncode == 2 and "give the directory once" in clash.stderr
    for command in ("run", "select", "runs", "status", "triage"):
        help_text = " ".join(orch(command, "--help").stdout.split())
        assert "-C, --directory DIRECTORY Project directory: its workflow file and .orch/" in (
            help_text
        ), command


# -- the environment the tests see --------------------------------------------------------------


def test_env_expands_variables_and_passenv_passes_ci_secrets_without_orch_printing_them(
    tmp_path, orch
):
    secret = "s3cr3t-value-only-the-test-may-see"
    write_files(
        tmp_path,
        {
            "orch.yaml": """
                applications:
                  pay:
                    path: apps/pay
                    runner: pytest
                    env:
                      API_BASE_URL: "${API_BASE_URL:-http://localhost:8000}"
                      PAYMENT_TOKEN: "${CI_PAYMENT_TOKEN}"
                    passenv: [DEPLOY_*]
                execution: {passenv: [CI_*]}
            """,
            "apps/pay/tests/test_env.py": f"""
                import os

                def test_sees_what_the_workflow_passes():
                    assert os.environ["API_BASE_URL"] == "https://staging.example"
                    assert os.environ["PAYMENT_TOKEN"] == {secret!r}
                    assert os.environ["CI_PAYMENT_TOKEN"] == {secret!r}
                    assert os.environ["DEPLOY_ENV"] == "staging"
                    assert "UNLISTED_SECRET" not in os.environ
            """,
        },
    )
    env = {
        "API_BASE_URL": "https://staging.example",
        "CI_PAYMENT_TOKEN": secret,
        "DEPLOY_ENV": "staging",
        "UNLISTED_SECRET": "never-passed",
    }
    done = subprocess.run(
        [ORCH, "run", ".", "--format", "json", "--json", "report.json", "--junit-xml", "j.xml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**_clean_env(), **env},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    reports = [(tmp_path / name).read_text() for name in ("report.json", "j.xml")]
    for shown in (done.stdout, done.stderr, *reports):
        assert secret not in shown

    missing = subprocess.run(
        [ORCH, "run", "."], cwd=tmp_path, capture_output=True, text=True, env=_clean_env()
    )
    assert missing.returncode == 2
    assert missing.stderr == (
        "orch: error: orch.yaml: $.applications.pay.env.PAYMENT_TOKEN: ${CI_PAYMENT_TOKEN} is "
        "not set in orch's environment; set it, or give a default: ${CI_PAYMENT_TOKEN:-value}\n"
    )
