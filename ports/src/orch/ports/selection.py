"""What a selection is: the tests chosen per application, each with its reasons and risk score,
and the whole selection as ``orch select`` prints it and ``orch run --select changed`` runs it.

A ports value because two use cases meet on it: selection makes it, the run plans by it."""

from __future__ import annotations

from attrs import frozen


@frozen
class SelectedTest:
    """One selected test: its nodeid (the runner's own id), why it was chosen, its risk score."""

    __test__ = False

    app: str
    nodeid: str
    file: str
    reasons: tuple[str, ...]
    score: float

    @property
    def id(self) -> str:
        return f"{self.app}::{self.nodeid}"


@frozen
class AppSelection:
    """What one application runs for the change, and why (or why nothing)."""

    app: str
    tests: tuple[SelectedTest, ...]
    whole_app: bool = False
    reasons: tuple[str, ...] = ()
    suite: int = 0
    """How many tests the application has, each recorded case of a parametrised test counted."""
    problems: tuple[str, ...] = ()
    count: int = 0
    """How many tests the selection runs, counted as ``suite`` is (not the ids listed)."""
    base: str = ""
    """The commit (or ref) this application's repository was compared from."""


@frozen
class Selection:
    """The selection for a change set, over every application of a workflow."""

    base: str
    head: str | None
    apps: dict[str, AppSelection]
    outside: tuple[str, ...] = ()

    @property
    def tests(self) -> list[SelectedTest]:
        """Every selected test, highest risk first (the order a run dispatches them in)."""
        every = [test for app in self.apps.values() for test in app.tests]
        return sorted(every, key=lambda t: (-t.score, t.app, t.nodeid))

    @property
    def count(self) -> int:
        """How many tests the selection runs (parametrised cases counted one by one)."""
        return sum(app.count for app in self.apps.values())

    def wanted(self, app: str) -> dict[str, float] | None:
        """Selected nodeids of ``app`` with their scores; None when the whole app runs."""
        chosen = self.apps.get(app)
        if chosen is None:
            return {}
        if chosen.whole_app:
            return None
        return {test.nodeid: test.score for test in chosen.tests}

    def as_json(self) -> dict:
        """The ``orch select --format json`` object."""
        return {
            "base": self.base,
            "head": self.head,
            "selected": [
                {"id": t.nodeid, "app": t.app, "reasons": list(t.reasons), "score": t.score}
                for t in self.tests
            ],
            "total": self.count,
            "apps": {
                name: {
                    "selected": app.count,
                    "suite": app.suite,
                    "base": app.base,
                    "whole_app": app.whole_app,
                    "reasons": list(app.reasons),
                    "problems": list(app.problems),
                }
                for name, app in self.apps.items()
            },
            "outside": list(self.outside),
        }
