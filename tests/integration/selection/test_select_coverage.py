"""Coverage-based selection: record with ``orch run --record-coverage``, select by lines run."""

from __future__ import annotations

import json
import sqlite3

from select_repo import ids, reasons

REFUND = {
    "tests/test_processor.py::test_refund[1]",
    "tests/test_processor.py::test_refund[2]",
    "tests/test_helpers.py::test_refund_twice",
}


def record(repo) -> None:
    done = repo.orch("run", ".", "--record-coverage")
    assert done.returncode == 0, done.stdout + done.stderr


def test_only_the_tests_that_ran_the_changed_function_are_selected(repo):
    record(repo)
    repo.edit("src/payment/processor.py", "return -rounded(amount, code)", "return -abs(amount)")
    selection = repo.select("--base", repo.base)
    assert ids(selection) == REFUND
    why = reasons(selection)["tests/test_processor.py::test_refund[1]"]
    assert why == ["covers src/payment/processor.py:11-11, changed"]
    imports_only = repo.select("--base", repo.base)  # same answer on a warm cache
    assert ids(imports_only) == REFUND


IMPORTERS = {
    "tests/test_processor.py::test_charge",
    "tests/test_processor.py::test_charge_rejects_zero",
    "tests/test_processor.py::test_refund",
    "tests/test_helpers.py::test_refund_twice",
}


def test_the_import_graph_alone_selects_more(repo):
    repo.edit("src/payment/processor.py", "return -rounded(amount, code)", "return -abs(amount)")
    assert ids(repo.select("--base", repo.base)) == IMPORTERS


def test_module_level_changes_fall_back_to_the_import_graph(repo):
    record(repo)
    repo.edit(
        "src/payment/processor.py",
        "from payment.currency import rounded",
        "from payment.currency import rounded\nLIMIT = 5",
    )
    selection = repo.select("--base", repo.base)
    assert ids(selection) == IMPORTERS
    notes = selection["apps"]["shop"]["problems"]
    assert (
        "module-level code of src/payment/processor.py changed: used the import graph for it"
        in notes
    )


def test_a_map_from_an_older_commit_falls_back_for_files_changed_since(repo):
    record(repo)
    repo.edit("src/payment/processor.py", "amount <= 0", "amount < 1")
    newer = repo.commit("newer")
    repo.edit("src/payment/processor.py", "return -rounded(amount, code)", "return -abs(amount)")
    repo.edit("src/payment/audit.py", 'return f"audit: {event}"', 'return f"AUDIT: {event}"')
    selection = repo.select("--base", newer)
    notes = selection["apps"]["shop"]["problems"]
    assert any(
        n.startswith("src/payment/processor.py changed since the coverage map's commit")
        for n in notes
    )
    chosen = ids(selection)
    assert chosen - {"tests/test_audit.py::test_log"} == IMPORTERS  # processor: import graph
    assert reasons(selection)["tests/test_audit.py::test_log"] == [
        "covers src/payment/audit.py:2-2, changed"
    ]


def test_run_select_changed_runs_only_the_selection_in_risk_order(repo):
    record(repo)
    repo.edit(
        "src/payment/processor.py", "return -rounded(amount, code)", "return -abs(amount) * 2"
    )
    done = repo.orch("run", ".", "--select", "changed", "--base", repo.base, "--format", "json")
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert {t["nodeid"] for t in report["tests"]} == REFUND
    dry = repo.orch("run", ".", "--dry-run", "--base", repo.base)
    assert dry.returncode == 0 and "3 tests selected" in dry.stdout


def test_a_map_from_another_repository_is_not_trusted(repo):
    record(repo)
    with sqlite3.connect(repo.root / ".orch" / "orch.db") as db:
        db.execute('UPDATE coverage_maps SET "commit" = ?', ("f" * 40,))
    repo.edit("src/payment/processor.py", "return -rounded(amount, code)", "return -abs(amount)")
    selection = repo.select("--base", repo.base)
    assert ids(selection) == IMPORTERS
    [note] = selection["apps"]["shop"]["problems"]
    assert note.startswith(
        "the coverage map was recorded at ffffffffffff, which cannot be compared"
    )
