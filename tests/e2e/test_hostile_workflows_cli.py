"""Hostile workflow files and patterns through the ``orch`` command (issue 8): the loader catches
what would have failed at run time, and a catastrophic user pattern cannot hang triage."""

from __future__ import annotations

import json
import time

import pytest
from orch_cli import write_files
from wall_clock import budget

APP = "applications:\n  pay:\n    path: apps/pay\n"


@pytest.mark.parametrize(
    ("workflow", "expected"),
    [
        (
            APP + '    runner: pytest\n    env: {A: "x\\0y"}\n',
            "$.applications.pay.env.A: 'x\\x00y'",
        ),
        (APP + "    runner: pytest\n    env: {'A=B': x}\n", "$.applications.pay.env['A=B']:"),
        (
            APP + '    runner: {pytest: {args: ["-q\\0"]}}\n',
            "$.applications.pay.runner.pytest.args[0]: '-q\\x00' holds a NUL character",
        ),
        (
            APP + '    runner: {command: {run: "ls\\0 -l"}}\n',
            "$.applications.pay.runner.command.run: 'ls\\x00 -l' holds a NUL character",
        ),
        ("applications:\n  'a::b': {path: apps/pay, runner: pytest}\n", "must not contain '::'"),
        (APP + "    runner: pytest\n    paths: tests\n", "expected a list of strings"),
    ],
)
def test_the_dry_run_reports_what_the_run_would_have_died_of(tmp_path, orch, workflow, expected):
    write_files(tmp_path, {"apps/pay/tests/test_a.py": "def test_a():\n    pass\n"})
    (tmp_path / "orch.yaml").write_text(workflow)
    done = orch("run", ".", "--dry-run")
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("orch: error: orch.yaml") and expected in line, line


FAILING = "a" * 60 + "!"


def test_a_catastrophic_pattern_and_codeowners_line_cannot_hang_triage(tmp_path, orch):
    cases = "".join(
        f'<testcase classname="a{i}" name="t"><failure message="{FAILING}">{FAILING}</failure>'
        "</testcase>"
        for i in range(30)
    )
    write_files(
        tmp_path,
        {
            "orch.yaml": """
                applications: {shop: {path: ., runner: pytest}}
                triage:
                  categories:
                    - {name: slow, patterns: ["(a|aa)+$"]}
                    - {name: bang, patterns: ["a!"]}
                  codeowners: CODEOWNERS
            """,
            "CODEOWNERS": "a*" * 40 + "b @slow-team\n* @everyone\n",
            "report.xml": f'<testsuite name="s" tests="30">{cases}</testsuite>',
        },
    )
    started = time.monotonic()
    done = orch("triage", "report.xml", "--format", "json", timeout=60)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < budget(20), f"triage took {elapsed:.1f}s"
    failures = json.loads(done.stdout)["failures"]
    assert {f["category"] for f in failures} == {"bang"}
    assert done.stderr.splitlines() == [
        "orch: warning: orch.yaml: $.triage.categories[0].patterns[0]: pattern '(a|aa)+$' took "
        "over 0.1 s on one text; skipped for the rest of the run (avoid nested repeats such as "
        "(a+)+)"
    ]
