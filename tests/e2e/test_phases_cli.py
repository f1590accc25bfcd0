"""Phases and quality gates in real runs: pytest unit tests, then an integration phase run once per
environment of a matrix (each a real simulator orch provisions, its answers telling the test which
one it reached), then a node end-to-end phase; a failing critical unit test fails the unit gate,
which halts the run: what did not start is blocked by it, the exit code is 6, and the summary, the
JSON report and JUnit say so."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from orch_cli import write_files

WORKFLOW = """
    applications:
      inventory:
        path: inventory
        runner: pytest
        environment: v1
        env: {API: "{api.url}"}
        select: {critical: [smoke]}
      web:
        path: web
        runner:
          command:
            run: "node --test --test-reporter=junit --test-reporter-destination={junit}"
    environments:
      v1:
        services:
          api:
            type: simulator
            routes:
              - {request: {method: GET, path: /version}, response: {json: {version: v1}}}
      v2:
        services:
          api:
            type: simulator
            routes:
              - {request: {method: GET, path: /version}, response: {json: {version: v2}}}
    phases:
      unit:
        select: {apps: [inventory], paths: ["tests/unit/*"]}
        gate: {min_pass_rate: 50, on_fail: halt}
      integration:
        depends_on: [unit]
        select: {apps: [inventory], markers: [integration]}
        strategy: matrix
        matrix: {environment: [v1, v2]}
        gate: {min_pass_rate: 100}
      e2e:
        depends_on: [integration]
        select: {apps: [web]}
"""

FILES = {
    "inventory/pytest.ini": "[pytest]\nmarkers =\n    smoke\n    integration\n",
    "inventory/tests/unit/test_stock.py": """
        import os, pytest

        @pytest.mark.smoke
        def test_reserve():
            assert not os.path.exists("BROKEN")

        def test_release():
            assert True
    """,
    "inventory/tests/integration/test_api.py": """
        import json, os, urllib.request, pytest

        @pytest.mark.integration
        def test_version():
            with urllib.request.urlopen(os.environ["API"] + "/version", timeout=5) as answer:
                version = json.loads(answer.read())["version"]
            assert version == os.environ["ORCH_MATRIX_ENVIRONMENT"]
    """,
    "web/test/shop.test.mjs": """
        import test from 'node:test';
        import assert from 'node:assert';
        test('renders the shop', () => { assert.ok(true); });
    """,
}


def by_id(report: dict) -> dict[str, dict]:
    return {test["id"]: test for test in report["tests"]}


def test_phases_run_in_order_and_a_matrix_runs_once_per_environment(tmp_path, orch):
    write_files(tmp_path, {"orch.yaml": WORKFLOW, **FILES})
    code, report = orch.json(".")
    assert code == 0, report["tests"]
    tests = by_id(report)
    for version in ("v1", "v2"):
        test = tests[
            f"inventory[environment={version}]::tests/integration/test_api.py::test_version"
        ]
        assert test["outcome"] == "passed"
    assert tests["inventory::tests/unit/test_stock.py::test_reserve"]["outcome"] == "passed"
    phases = {phase["name"]: phase for phase in report["phases"]}
    assert [phase["gate"] for phase in report["phases"]] == ["passed", "passed", "passed"]
    assert phases["integration"]["combinations"] == ["environment=v1", "environment=v2"]
    assert phases["integration"]["outcomes"] == {"passed": 2}
    assert phases["e2e"]["outcomes"] == {"passed": 1}


def test_a_failing_critical_test_halts_the_run_at_its_gate(tmp_path, orch):
    flagged = WORKFLOW.replace(
        "gate: {min_pass_rate: 50, on_fail: halt}", "gate: {min_pass_rate: 50}"
    )
    write_files(tmp_path, {"orch.yaml": flagged, **FILES, "inventory/BROKEN": ""})
    # the pass rate (50%) holds; the smoke test, critical, does not
    done = orch("run", ".", "--junit-xml", "junit.xml")
    assert done.returncode == 6, done.stdout + done.stderr
    assert "gate failed: critical test(s) did not pass: inventory::tests/unit/test_stock.py::" in (
        done.stdout
    )
    assert "(the run halted)" in done.stdout
    code, report = orch.json(".")
    assert code == 6
    tests = by_id(report)
    reason = (
        "blocked: gate 'unit' failed: critical test(s) did not pass: "
        "inventory::tests/unit/test_stock.py::test_reserve"
    )
    blocked = [t for t in report["tests"] if t["outcome"] == "blocked"]
    assert {t["message"] for t in blocked} == {reason}
    assert {t["app"] for t in blocked} == {
        "inventory[environment=v1]",
        "inventory[environment=v2]",
        "web",
    }
    assert tests["inventory::tests/unit/test_stock.py::test_release"]["outcome"] == "passed"
    unit, integration, e2e = report["phases"]
    assert unit["gate"] == "failed" and unit["halted"] and unit["pass_rate"] == 50.0
    assert integration["gate"] == "blocked" and e2e["gate"] == "blocked"
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert int(root.get("failures", 0)) + int(root.get("errors", 0)) >= 1
    (tmp_path / "inventory/BROKEN").unlink()
    code, resumed = orch.json(".", "--resume", report["run"]["id"])
    assert code == 0, resumed["tests"]
    assert {t["outcome"] for t in resumed["tests"]} == {"passed"} and len(resumed["tests"]) == 5
    assert [phase["gate"] for phase in resumed["phases"]] == ["passed", "passed", "passed"]
