"""Code outside the application folders (issue 7, item 2): a shared library on the apps' pytest
``pythonpath`` (or a ``[tool.uv.sources]`` path dependency) belongs to every app importing it.

Before, a change to ``libs/common/src/common/money.py`` gave "in no application" and 0 tests.
"""

from __future__ import annotations

import json

import pytest
from select_repo import Repo, ids, reasons

MONOREPO = {
    "orch.yaml": """
        applications:
          orders:
            path: apps/orders
            runner: {pytest: {}}
          billing:
            path: apps/billing
            runner: {pytest: {}}
    """,
    "libs/common/pyproject.toml": """
        [project]
        name = "common"
        version = "1.0"
    """,
    "libs/common/src/common/__init__.py": "",
    "libs/common/src/common/money.py": """
        def cents(amount):
            return round(amount * 100)
    """,
    "libs/common/tests/test_money.py": """
        from common.money import cents


        def test_cents():
            assert cents(1) == 100
    """,
    "apps/orders/pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["src", "../../libs/common/src"]
    """,
    "apps/orders/src/orders/__init__.py": "",
    "apps/orders/src/orders/total.py": """
        from common.money import cents


        def total(amounts):
            return sum(cents(a) for a in amounts)
    """,
    "apps/orders/tests/test_total.py": """
        from orders.total import total


        def test_total():
            assert total([1, 2]) == 300
    """,
    "apps/orders/tests/test_plain.py": """
        def test_plain():
            assert True
    """,
    "apps/billing/pyproject.toml": """
        [project]
        name = "billing"
        version = "1.0"
        dependencies = ["common"]

        [tool.uv.sources]
        common = {path = "../../libs/common", editable = true}

        [tool.pytest.ini_options]
        pythonpath = ["../../libs/common/src"]
    """,
    "apps/billing/tests/test_invoice.py": """
        import common.money


        def test_invoice():
            assert common.money.cents(2) == 200
    """,
    "apps/billing/tests/test_other.py": """
        def test_other():
            assert True
    """,
}


@pytest.fixture
def monorepo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "mono")
    repo.base = repo.init(MONOREPO)
    return repo


def test_a_shared_library_change_selects_the_importing_tests_of_every_app(monorepo):
    monorepo.edit("libs/common/src/common/money.py", "amount * 100", "amount * 1000")
    done = monorepo.orch("select", "--base", monorepo.base, "--format", "json")
    assert done.returncode == 0, done.stderr
    selection = json.loads(done.stdout)
    assert {(t["app"], t["id"]) for t in selection["selected"]} == {
        ("orders", "tests/test_total.py::test_total"),
        ("billing", "tests/test_invoice.py::test_invoice"),
    }
    assert selection["outside"] == []
    assert reasons(selection)["tests/test_total.py::test_total"] == [
        "imports ../../libs/common/src/common/money.py via src/orders/total.py"
    ]
    run = monorepo.orch("run", "--select", "changed", "--base", monorepo.base)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 failed" in run.stdout


def test_a_path_dependency_is_claimed_without_a_pythonpath(monorepo):
    monorepo.edit("apps/billing/pyproject.toml", 'pythonpath = ["../../libs/common/src"]', "")
    monorepo.commit("billing imports common through its uv source only")
    monorepo.edit("libs/common/src/common/money.py", "amount * 100", "amount * 1000")
    selection = monorepo.select()
    assert "tests/test_invoice.py::test_invoice" in ids(selection)


def test_a_file_no_application_claims_is_listed_and_strict_refuses_it(monorepo):
    (monorepo.root / "NOTES.md").write_text("notes\n")
    monorepo.edit("libs/common/tests/test_money.py", "== 100", "== 100.0")
    printed = monorepo.orch("select", "--base", monorepo.base)
    assert printed.returncode == 0, printed.stderr
    assert "in no application: NOTES.md, libs/common/tests/test_money.py" in printed.stdout
    assert printed.stdout.rstrip().endswith("0 tests selected")

    strict = monorepo.orch("select", "--base", monorepo.base, "--strict")
    assert strict.returncode == 2
    assert strict.stdout == ""
    [line] = strict.stderr.splitlines()
    assert "--strict: 2 changed file(s) in no application (NOTES.md, libs/common/tests/" in line

    run = monorepo.orch("run", "--select", "changed", "--base", monorepo.base, "--strict")
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) == 1 and "in no application" in run.stderr
