"""Which files ``node --test`` runs when given no file: its default test-file patterns."""

from __future__ import annotations

import re

SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
"""Files whose imports are read (TypeScript's import syntax is JavaScript's)."""

_TEST_NAME = re.compile(r"(?:.+[.\-_]test|test-.+|test)\.[cm]?js")
"""``*.test.js``, ``*-test.js``, ``*_test.js``, ``test-*.js``, ``test.js`` (and .cjs, .mjs)."""


def is_test_file(path: str) -> bool:
    """Whether ``node --test`` run in the app's folder runs the app-relative ``path``: a file
    named as a test, or any JavaScript file under a ``test`` directory; never in node_modules."""
    parts = path.split("/")
    if path.startswith("../") or "node_modules" in parts:
        return False
    name = parts[-1]
    if _TEST_NAME.fullmatch(name):
        return True
    return "test" in parts[:-1] and re.search(r"\.[cm]?js$", name) is not None
