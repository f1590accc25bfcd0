"""``orch select`` on a real git repository: each strategy, its reasons, and its safe fallbacks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from select_repo import ids, reasons

PROCESSOR = {
    "tests/test_processor.py::test_charge",
    "tests/test_processor.py::test_charge_rejects_zero",
    "tests/test_processor.py::test_refund",
}


def test_a_changed_module_selects_its_direct_and_transitive_importers(repo):
    repo.edit("src/payment/currency.py", "return round(amount, digits)", "return round(amount, 2)")
    selection = repo.select("--base", repo.base)
    assert ids(selection) == {
        "tests/test_currency.py::test_minor_units",
        "tests/test_currency.py::test_rounded",
        *PROCESSOR,
        "tests/test_helpers.py::test_refund_twice",
    }
    why = reasons(selection)
    assert why["tests/test_currency.py::test_rounded"] == ["imports src/payment/currency.py"]
    assert why["tests/test_helpers.py::test_refund_twice"][0].startswith(
        "imports src/payment/currency.py via "
    )
    assert "tests/test_audit.py::test_log" not in ids(selection)
    assert selection["apps"]["shop"]["suite"] == 7
    assert selection["total"] == 6


def test_selected_ids_are_accepted_by_pytest(repo):
    repo.edit("src/payment/processor.py", "amount <= 0", "amount < 0")
    chosen = sorted(ids(repo.select("--base", repo.base)))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *chosen],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert "1 failed, 4 passed" in done.stdout, done.stdout


def test_a_changed_test_function_selects_only_that_test(repo):
    repo.edit(
        "tests/test_processor.py", "assert charge(10, eur) == 10", "assert charge(11, eur) == 11"
    )
    selection = repo.select("--base", repo.base)
    assert ids(selection) == {"tests/test_processor.py::test_charge"}
    assert reasons(selection)["tests/test_processor.py::test_charge"][0].startswith(
        "its code changed (lines"
    )


def test_new_tests_always_run(repo):
    repo.write({"tests/test_new.py": "def test_brand_new():\n    assert True\n"})
    repo.edit(
        "tests/test_currency.py",
        "def test_rounded(eur):",
        "def test_added():\n    assert True\n\n\ndef test_rounded(eur):",
    )
    selection = repo.select("--base", repo.base)
    why = reasons(selection)
    assert why["tests/test_new.py::test_brand_new"] == ["new test (its file is new)"]
    assert why["tests/test_currency.py::test_added"] == ["new test (added in this change)"]


def test_a_changed_conftest_selects_every_test_beneath_it(repo):
    repo.edit("tests/conftest.py", 'return "EUR"', 'return "EUR" '.strip())
    repo.edit("tests/conftest.py", "import pytest", "import pytest  # fixtures")
    selection = repo.select("--base", repo.base)
    assert len(ids(selection)) == 7
    assert all(any("tests/conftest.py" in r for r in rs) for rs in reasons(selection).values())


def test_build_files_select_the_whole_application(repo):
    repo.edit("pyproject.toml", 'pythonpath = ["src"]', 'pythonpath = ["src"]\naddopts = "-q"')
    selection = repo.select("--base", repo.base)
    app = selection["apps"]["shop"]
    assert app["whole_app"] and app["reasons"] == [
        "build or dependency file pyproject.toml changed"
    ]
    assert len(ids(selection)) == 7


def test_non_python_files_need_a_mapping_rule(repo):
    repo.write({"src/payment/rates.json": '{"EUR": 1}\n'})
    whole = repo.select("--base", repo.base)["apps"]["shop"]
    assert whole["whole_app"] and "non-Python file src/payment/rates.json" in whole["reasons"][0]
    repo.write(
        {
            "orch.yaml": """
                applications:
                  shop:
                    path: .
                    runner: pytest
                    select:
                      mapping_rules:
                        - {source: "src/payment/(.*)\\\\.json", tests: "tests/test_currency.py"}
            """
        }
    )
    repo.git("add", "orch.yaml")
    repo.git("commit", "-qm", "workflow")
    base = repo.git("rev-parse", "HEAD")
    repo.write({"src/payment/rates.json": '{"EUR": 2}\n'})
    selection = repo.select("--base", base)
    assert ids(selection) == {
        "tests/test_currency.py::test_minor_units",
        "tests/test_currency.py::test_rounded",
    }
    assert reasons(selection)["tests/test_currency.py::test_rounded"] == [
        "mapping rule 1: src/payment/rates.json -> tests/test_currency.py"
    ]


def test_always_run_markers_and_ignored_files(repo):
    repo.write(
        {
            "orch.yaml": """
                applications:
                  shop:
                    path: .
                    runner: pytest
                    select: {always_run: {markers: [smoke]}, ignore: ["docs/*"]}
            """
        }
    )
    base = repo.commit("workflow")
    repo.write({"docs/guide.md": "# guide\n"})
    nothing = repo.select("--base", base)
    assert nothing["apps"]["shop"]["reasons"] == ["only ignored files changed (select.ignore)"]
    repo.edit("src/payment/currency.py", "return MINOR_UNITS[code]", "return MINOR_UNITS.get(code)")
    selection = repo.select("--base", base)
    assert reasons(selection)["tests/test_audit.py::test_log"] == ["always-run: marker smoke"]


def test_nothing_changed_selects_nothing_and_says_why(repo):
    selection = repo.select("--base", repo.base)
    assert selection["selected"] == []
    assert selection["apps"]["shop"]["reasons"] == ["no file of this application changed"]


def test_risk_order_puts_direct_impact_first(repo):
    repo.edit("src/payment/currency.py", "return round(amount, digits)", "return round(amount, 2)")
    order = [t["id"] for t in repo.select("--base", repo.base)["selected"]]
    assert order.index("tests/test_currency.py::test_rounded") < order.index(
        "tests/test_helpers.py::test_refund_twice"
    )


def test_head_ref_compares_two_commits(repo):
    repo.edit("src/payment/audit.py", "audit:", "AUDIT:")
    head = repo.commit("audit")
    repo.edit("src/payment/currency.py", "round(amount, digits)", "round(amount, 2)")  # not in head
    selection = repo.select("--base", repo.base, "--head", head)
    assert ids(selection) == {"tests/test_audit.py::test_log"}


def test_a_deleted_module_selects_the_tests_that_still_import_it(repo):
    (repo.root / "src/payment/audit.py").unlink()
    selection = repo.select("--base", repo.base)
    assert reasons(selection) == {"tests/test_audit.py::test_log": ["imports src/payment/audit.py"]}


def test_critical_tests_rank_first_and_say_so(repo):
    repo.edit(
        "tests/test_currency.py",
        "def test_rounded(eur):",
        "@pytest.mark.critical\ndef test_rounded(eur):",
    )
    repo.edit(
        "tests/test_currency.py", "from payment.currency", "import pytest\n\nfrom payment.currency"
    )
    base = repo.commit("critical")
    repo.edit("src/payment/currency.py", "return MINOR_UNITS[code]", "return MINOR_UNITS.get(code)")
    selection = repo.select("--base", base)
    first = selection["selected"][0]
    assert first["id"] == "tests/test_currency.py::test_rounded"
    assert "critical: marker critical" in first["reasons"]


def test_a_resumed_run_keeps_its_selection(repo):
    repo.edit("src/payment/audit.py", "audit:", "AUDIT:")
    first = repo.orch("run", ".", "--select", "changed", "--base", repo.base, "--format", "json")
    report = json.loads(first.stdout)
    assert {t["nodeid"] for t in report["tests"]} == {"tests/test_audit.py::test_log"}
    # as a kill after its last result leaves it (only an interrupted run can be resumed)
    with sqlite3.connect(repo.root / ".orch" / "orch.db") as db:
        db.execute("UPDATE runs SET status = 'interrupted', ended_at = NULL, exit_code = NULL")
    again = repo.orch("run", ".", "--resume", report["run"]["id"], "--format", "json")
    resumed = json.loads(again.stdout)
    assert {t["nodeid"] for t in resumed["tests"]} == {"tests/test_audit.py::test_log"}
