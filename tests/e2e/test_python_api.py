"""The Python API runs a workflow the way ``orch run`` does, with no click involved."""

from __future__ import annotations

from pathlib import Path

from orch_cli import write_files

from orch.adapters.pytest import PytestSettings
from orch.core import Application, Engine, Execution, Workflow
from orch.ports import FailureStanding, Standing


def test_engine_executes_a_two_app_workflow_and_reports_failures(tmp_path, monkeypatch):
    monkeypatch.delenv("ORCH_HOME", raising=False)
    write_files(
        tmp_path,
        {
            "apps/pay/tests/test_pay.py": (
                "def test_ok():\n    pass\n\n"
                "def test_bad():\n    print('checking the total')\n    assert 0\n"
            ),
            "apps/inv/tests/test_inv.py": "def test_inv():\n    pass\n",
        },
    )
    workflow = Workflow(
        applications=(
            Application(
                "pay", tmp_path / "apps/pay", "pytest", settings=PytestSettings(args=("-q",))
            ),
            Application("inv", tmp_path / "apps/inv", "pytest", priority=1),
        ),
        execution=Execution(workers=2, timeout=60, retries=1),
        root=tmp_path,
    )
    result = Engine(workflow).execute(junit_xml=tmp_path / "out" / "junit.xml")
    assert result.counts.passed == 2 and result.counts.failed == 1
    assert int(result.exit_code) == 1
    [failure] = result.failed_tests
    assert failure.id == "pay::tests/test_pay.py::test_bad" and failure.result.attempt == 2
    assert failure.category == "assertion_failure" and failure.defect_type == "product_bug"
    assert failure.history == FailureStanding(Standing.NEW) and failure.cluster
    assert "checking the total" in failure.logs
    assert failure.suggestion.startswith("look at tests/test_pay.py:")
    assert (tmp_path / "out" / "junit.xml").is_file()
    assert Path(tmp_path / ".orch" / ".gitignore").read_text().strip() == "*"
