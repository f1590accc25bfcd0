"""The JavaScript import graph: node's resolution of relative and ``#`` specifiers, the shortest
chain from a test to a changed file, cycles, deleted files and node's test-file conventions."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from orch.adapters.node.conventions import is_test_file
from orch.adapters.node.graph import Chain, ModuleGraph


def app(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def test_relative_specifiers_resolve_as_node_resolves_them(tmp_path: Path):
    root = app(
        tmp_path,
        {
            "src/exact.js": "",
            "src/no_extension.mjs": "",
            "src/lib/index.js": "",
            "src/data.json": "{}",
            "src/main.js": """
                import "./exact.js";
                import "./no_extension";
                import "./lib";
                import data from "./data.json" with { type: "json" };
                import "node:fs";
                import "lodash";
                import "../outside.js";
            """,
        },
    )
    graph = ModuleGraph.build(root)
    assert graph.imports["src/main.js"][:3] == (
        "src/exact.js",
        "src/no_extension.mjs",
        "src/lib/index.js",
    )
    assert "node:fs" not in graph.imports["src/main.js"]
    assert graph.files == {
        "src/exact.js",
        "src/no_extension.mjs",
        "src/lib/index.js",
        "src/main.js",
    }


def test_subpath_imports_of_package_json(tmp_path: Path):
    root = app(
        tmp_path,
        {
            "src/money.js": "",
            "src/util/dates.js": "",
            "src/a.js": 'import "#money"; import "#util/dates.js"; import "#unknown";',
        },
    )
    imports = {"#money": {"node": "./src/money.js"}, "#util/*": "./src/util/*"}
    (root / "package.json").write_text(json.dumps({"imports": imports}))
    assert ModuleGraph.build(root).imports["src/a.js"] == ("src/money.js", "src/util/dates.js")


def test_an_unreadable_package_json_has_no_subpath_imports(tmp_path: Path):
    root = app(tmp_path, {"package.json": "{not json", "a.js": 'import "#x";'})
    assert ModuleGraph.build(root).imports["a.js"] == ()


def test_the_shortest_chain_to_the_changed_file_is_named(tmp_path: Path):
    root = app(
        tmp_path,
        {
            "src/money.js": "",
            "src/cart.js": 'import { f } from "./money.js";',
            "src/checkout.js": 'const cart = require("./cart");',
            "test/money.test.js": 'import "../src/money.js";',
            "test/checkout.test.js": 'import "../src/checkout.js"; import "../src/cart.js";',
            "test/unrelated.test.js": 'import "node:assert";',
        },
    )
    chains = ModuleGraph.build(root).importers_of(["src/money.js"])
    assert chains["test/money.test.js"] == Chain("test/money.test.js", "src/money.js", ())
    assert chains["test/checkout.test.js"].via == ("src/cart.js",)
    assert chains["src/checkout.js"].via == ("src/cart.js",)
    assert "test/unrelated.test.js" not in chains
    assert "src/money.js" not in chains


def test_import_cycles_end(tmp_path: Path):
    root = app(
        tmp_path,
        {
            "a.js": 'import "./b.js"; import "./a.js";',
            "b.js": 'import "./c.js";',
            "c.js": 'import "./a.js";',
            "test.js": 'import "./c.js";',
        },
    )
    graph = ModuleGraph.build(root)
    assert graph.imports["a.js"] == ("b.js",)  # a file importing itself is no edge
    chains = graph.importers_of(["a.js"])
    assert set(chains) == {"b.js", "c.js", "test.js"}
    assert chains["test.js"].via == ("c.js",)


def test_a_deleted_file_still_reaches_its_importers(tmp_path: Path):
    root = app(
        tmp_path,
        {
            "test/a.test.js": 'import "../src/gone.js";',
            "test/b.test.js": 'const gone = require("../src/gone");',
        },
    )
    assert set(ModuleGraph.build(root).importers_of(["src/gone.js"])) == {
        "test/a.test.js",
        "test/b.test.js",
    }


def test_node_modules_and_hidden_folders_are_not_read(tmp_path: Path):
    root = app(
        tmp_path,
        {"node_modules/pkg/index.js": "", ".cache/x.js": "", "src/a.ts": 'import "./b";'},
    )
    assert ModuleGraph.build(root).files == {"src/a.ts"}


def test_unreadable_and_unfinished_files_are_problems(tmp_path: Path):
    root = app(tmp_path, {"cut.js": 'import "./a.js"; /* open'})
    (root / "latin1.js").write_bytes(b'const s = "\xe9";')
    problems = ModuleGraph.build(root).problems
    assert problems["cut.js"] == (
        "a block comment is not closed; its imports were read as far as they go"
    )
    assert problems["latin1.js"].startswith("cannot be read (")


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("test/money.test.js", True),
        ("src/money.test.mjs", True),
        ("src/money-test.cjs", True),
        ("src/money_test.js", True),
        ("test-money.js", True),
        ("test.js", True),
        ("test/helpers/fixtures.js", True),
        ("src/money.js", False),
        ("src/testing.js", False),
        ("test/readme.md", False),
        ("node_modules/x/test.js", False),
        ("../shared/test.js", False),
        ("src/money.test.ts", False),
    ],
)
def test_node_test_file_conventions(path: str, is_test: bool):
    assert is_test_file(path) is is_test
