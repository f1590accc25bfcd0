"""Bad input through the ``orch`` command: one clear line, the right exit code, nothing lost."""

from __future__ import annotations

from orch_cli import outcomes, write_files


def test_malformed_yaml_is_one_line_with_position(tmp_path, orch):
    write_files(tmp_path, {"orch.yaml": "applications:\n  pay: {path: [unclosed\n"})
    done = orch("run", ".")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("orch: error: orch.yaml:3:1: malformed YAML")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_unknown_keys_and_runner_names_suggest_the_fix(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "apps/pay/tests/test_a.py": "def test_a():\n    pass\n",
            "orch.yaml": """
                applications:
                  pay: {path: apps/pay, runner: {pytst: {}}}
                execution: {wokers: 2}
            """,
        },
    )
    done = orch("run", ".")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "orch: error: orch.yaml: $.applications.pay.runner: unknown runner 'pytst'; "
        "did you mean 'pytest'? (available: command, pytest)",
        "orch: error: orch.yaml: $.execution.wokers: unknown key; did you mean 'workers'? "
        "(valid: workers, timeout, shard_timeout, retries, retry_timeouts, heartbeat, passenv, "
        "output, isolation, priority)",
    ]


def test_a_missing_application_path(tmp_path, orch):
    write_files(tmp_path, {"orch.yaml": "applications:\n  web: {path: apps/web, runner: pytest}\n"})
    done = orch("run", ".")
    assert done.returncode == 2
    assert "$.applications.web.path: directory 'apps/web' does not exist" in done.stderr


def test_a_runner_command_that_does_not_exist_errors_that_app_and_others_still_run(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "apps/pay/tests/test_a.py": "def test_a():\n    pass\n",
            "apps/web/index.js": "",
            "orch.yaml": """
                applications:
                  pay: {path: apps/pay, runner: pytest}
                  web:
                    path: apps/web
                    runner: {command: {run: "nodee --test --test-reporter-destination={junit}"}}
            """,
        },
    )
    code, report = orch.json(".")
    assert code == 4, "an environment problem"
    assert outcomes(report)["tests/test_a.py::test_a"] == "passed"
    web = next(t for t in report["tests"] if t["app"] == "web")
    assert web["outcome"] == "error" and "'nodee' not found" in web["message"]
    assert any("nodee" in problem for problem in report["problems"])


def test_a_corrupt_result_file_is_an_error_and_other_results_still_count(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "apps/java/make-results.sh": """
                mkdir -p reports
                cat > reports/TEST-good.xml <<'XML'
                <testsuite name="Cart" tests="2">
                <testcase classname="shop.CartTest" name="adds"/>
                <testcase classname="shop.CartTest" name="totals">
                <failure message="off by one"/></testcase>
                </testsuite>
                XML
                printf '<testsuite name="Checkout"><testcase classname="sh' > reports/TEST-cut.xml
            """,
            "orch.yaml": """
                applications:
                  java:
                    path: apps/java
                    runner: {command: {run: "sh make-results.sh", results: ["reports/*.xml"]}}
            """,
        },
    )
    code, report = orch.json(".")
    assert code == 1
    got = outcomes(report)
    assert got["shop.CartTest.adds"] == "passed" and got["shop.CartTest.totals"] == "failed"
    cut = next(t for t in report["tests"] if "TEST-cut.xml" in t["nodeid"])
    assert cut["outcome"] == "error" and "not XML" in cut["message"]


def test_an_unknown_run_to_resume(tmp_path, orch):
    write_files(tmp_path, {"tests/test_a.py": "def test_a():\n    pass\n"})
    done = orch("run", ".", "--resume", "no-such-run")
    assert done.returncode == 2
    assert "no run 'no-such-run'" in done.stderr


def test_a_flow_mistake_is_one_line_at_its_path_and_nothing_runs(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "apps/pay/tests/test_a.py": "def test_a():\n    pass\n",
            "orch.yaml": """
                applications:
                  pay: {path: apps/pay, runner: pytest}
                cross_app_tests:
                  checkout:
                    steps: [{app: pya, test: tests/test_a.py::test_a}]
            """,
        },
    )
    done = orch("run", ".")
    assert done.returncode == 2 and "passed" not in done.stdout
    assert done.stderr.splitlines() == [
        "orch: error: orch.yaml: $.cross_app_tests.checkout.steps[0].app: unknown application "
        "'pya'; did you mean 'pay'? (available: pay)"
    ]
