"""``orch run`` of an application that names an environment: nothing provisions one yet, so the
run stops with one line and the exit code of a config error, rather than running the tests
without their services. The same workflow without ``environment:`` on the application runs."""

from __future__ import annotations

from orch_cli import write_files

PROJECT = {
    "apps/pay/tests/test_pay.py": "def test_pays():\n    assert True\n",
    "orch.yaml": """
        applications:
          pay:
            path: apps/pay
            runner: pytest
            environment: integration-test
            env: {DB_PORT: "{payment-db.port}"}
        environments:
          integration-test:
            services:
              payment-db: {type: postgres, version: "15"}
    """,
}


def test_a_run_needing_an_environment_stops_with_one_config_line(tmp_path, orch):
    write_files(tmp_path, PROJECT)
    done = orch("run", ".")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "orch: error: orch.yaml: $.applications.pay.environment: environments are not "
        "provisioned yet (issue 10); remove it to run the tests without one"
    ]
    assert "test_pays" not in done.stdout


def test_without_environment_on_the_application_the_workflow_runs(tmp_path, orch):
    project = dict(PROJECT)
    project["orch.yaml"] = PROJECT["orch.yaml"].replace(" environment: integration-test", "")
    write_files(tmp_path, project)
    done = orch("run", ".")
    assert done.returncode == 0, done.stderr
