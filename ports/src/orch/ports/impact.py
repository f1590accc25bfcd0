"""Change impact as values: how a changed file reaches a test, in words core can merge and rank.

A language's analysis (the pytest adapter's Python import graph, the node adapter's JavaScript
imports) answers the ``ChangeImpact`` port of ``orch.ports.protocols`` with these values; core's
selection merges them with what it knows without any language (mapping rules, history, always-run
tests) and scores them.
"""

from __future__ import annotations

import enum

from attrs import frozen


class ReachKind(enum.StrEnum):
    """How directly a change reaches a test (core weighs the kinds when it ranks tests)."""

    NEW = "new"
    """The test is new: its file, or the test itself, was added by the change."""
    TEST_CHANGED = "test-changed"
    """The test's own code, or code of its file that runs before it, changed."""
    DIRECT = "direct"
    """The test's file imports the changed file (or uses a changed fixture of it) directly."""
    TRANSITIVE = "transitive"
    """The test's file reaches the changed file through other files (``via``)."""


@frozen
class Reach:
    """One way a change reaches one test: the test, its file, the kind, the changed file, the
    files in between (from the test's side; empty when direct) and the reason as users read it."""

    nodeid: str
    file: str
    kind: ReachKind
    changed: str
    via: tuple[str, ...] = ()
    text: str = ""


@frozen
class FunctionSpan:
    """A function of a source file, lines inclusive; ``qualname`` as the language writes it
    (``Cart.total``, ``TestCart::test_total``). Coverage ties changed lines to functions with it."""

    qualname: str
    start: int
    end: int
