"""The JavaScript scanner finds every literal import, re-export and require, and nothing that
only looks like one: in comments, strings, template literals or regex literals."""

from __future__ import annotations

import pytest

from orch.adapters.node.scanner import specifiers


def found(text: str) -> tuple[str, ...]:
    return specifiers(text).specifiers


def test_es_module_imports_of_every_shape():
    text = """
        import def from "./a.js";
        import * as ns from './b.js'
        import { x, y as z } from "./c.js";
        import def2, { w } from "./d.js";
        import "./e.js";
        import type { T } from "./f";
        import {
          multi,
          line,
        } from "./g.js";
    """
    assert found(text) == ("./a.js", "./b.js", "./c.js", "./d.js", "./e.js", "./f", "./g.js")


def test_re_exports():
    text = """
        export * from "./all.js";
        export * as space from "./space.js";
        export { a, b as c } from './named.js';
        export { local };
        export const value = 1;
        export default function () { return "./not-this.js"; }
    """
    assert found(text) == ("./all.js", "./space.js", "./named.js")


def test_commonjs_and_dynamic_imports_with_literals():
    text = """
        const a = require("./a");
        const { b } = require('./b.cjs');
        const c = await import("./c.mjs");
        const d = import(`./d.js`);
        const e = require(name);
        const f = import(`./dynamic/${name}.js`);
        const g = require.resolve("./not-loaded");
        const h = import.meta.url;
        other.import("./method-call");
    """
    assert found(text) == ("./a", "./b.cjs", "./c.mjs", "./d.js")


def test_comments_hide_imports():
    text = """
        // import "./line-comment.js";
        /* require("./block-comment");
           import x from "./still-comment.js"; */
        /** @example import y from "./jsdoc.js" */
        import real from "./real.js"; // trailing
    """
    assert found(text) == ("./real.js",)


def test_strings_and_template_text_hide_imports():
    text = """
        const a = "import x from './in-double.js'";
        const b = 'require("./in-single")';
        const c = `import("./in-template") and export * from "./too"`;
        const d = "escaped \\" import './escaped.js'";
        import real from "./real.js";
    """
    assert found(text) == ("./real.js",)


def test_template_substitutions_are_code():
    text = """
        const a = `${require("./in-substitution")} text import "./text.js"`;
        const b = `outer ${`inner ${import("./nested.js")} import "./inner-text"`} tail`;
        const c = `${{ key: require("./object-in-substitution") }.key}`;
        import after from "./after.js";
    """
    assert found(text) == (
        "./in-substitution",
        "./nested.js",
        "./object-in-substitution",
        "./after.js",
    )


def test_regex_literals_are_not_strings_or_comments():
    text = """
        const quote = /["']import x from "\\.\\/nope"/g;
        const slashes = /\\/\\/ not a comment/;
        const klass = /[/"]/;
        const ratio = total / count / 2; import a from "./after-division.js";
        if (/^import/.test(line)) require("./after-regex");
    """
    assert found(text) == ("./after-division.js", "./after-regex")


def test_each_specifier_once_in_order():
    assert found('import "./b.js"; import "./a.js"; require("./b.js")') == ("./b.js", "./a.js")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('import a from "./a.js";\n/* never closed', "a block comment is not closed"),
        ('import a from "./a.js";\nconst t = `never closed', "a template literal is not closed"),
        ('import a from "./a.js";\nconst s = "never closed', "a string is not closed"),
    ],
)
def test_a_file_cut_short_says_so_and_keeps_what_it_read(text: str, problem: str):
    scan = specifiers(text)
    assert scan.specifiers == ("./a.js",)
    assert scan.problem is not None and scan.problem.startswith(problem)


def test_a_well_formed_file_has_no_problem():
    assert specifiers('import a from "./a.js";').problem is None
