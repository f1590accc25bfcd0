"""Where functions and tests sit in a Python file, so changed lines can be tied to them.

Only the handful of files a change touches are parsed (with ``ast``); the rest of the tree is
read by the fast import scanner. Coverage-based selection asks for the functions (the port's
``FunctionSpan``); changed test files are tied to their tests by the qualnames.
"""

from __future__ import annotations

import ast

from attrs import frozen


@frozen
class Span:
    """A function or class body: ``qualname`` like ``TestCart::test_total``, lines inclusive."""

    qualname: str
    start: int
    end: int
    is_class: bool = False

    def overlaps(self, first: int, last: int) -> bool:
        return self.start <= last and first <= self.end


def spans(source: str) -> list[Span] | None:
    """Every function and class of ``source`` (with decorators); None if it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: list[Span] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                qualname = f"{prefix}{node.name}"
                is_class = isinstance(node, ast.ClassDef)
                found.append(Span(qualname, start, node.end_lineno or node.lineno, is_class))
                if is_class:
                    visit(node.body, qualname + "::")

    visit(tree.body, "")
    return found
