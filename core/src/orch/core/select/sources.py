"""Changed code, language-free: a change the framework's collection can narrow (a pytest
``conftest.py`` changed inside fixtures), then recorded coverage where it can answer, then the
analysis' import graph for every file coverage left open."""

from __future__ import annotations

from collections.abc import Sequence

from orch.core.select.context import AppContext
from orch.core.select.coverage_impact import covered_tests
from orch.ports import AppImpact, ChangedFile


def narrowed(context: AppContext, analysis: AppImpact, change: ChangedFile) -> bool:
    """Whether the framework's collection answered for ``change`` (its tests are added)."""
    if change.status != "modified" or context.changes.head:
        return False  # the collection is of the working tree: only its changes can be narrowed
    found = analysis.narrowed(change, lambda: context.before(change.path), context.collected)
    if found is None:
        return False
    context.reasons.reached(found)
    return True


def sources_changed(
    context: AppContext, analysis: AppImpact, changed: Sequence[ChangedFile]
) -> None:
    """Add the tests the changed files reach: by coverage first, then by imports."""
    if not changed:
        return
    uncovered = [c.path for c in changed]
    if "coverage" in context.strategies:
        uncovered = _by_coverage(context, analysis, changed)
    if "imports" in context.strategies or "coverage" in context.strategies:
        by_imports(context, analysis, uncovered)


def by_imports(context: AppContext, analysis: AppImpact, paths: Sequence[str]) -> None:
    """Add the tests importing one of ``paths`` directly or transitively."""
    if paths:
        context.reasons.reached(analysis.importers(paths))


def _by_coverage(
    context: AppContext, analysis: AppImpact, changed: Sequence[ChangedFile]
) -> list[str]:
    """Select by recorded coverage; return the files it cannot answer for."""
    assert context.vcs is not None, "a change set exists, so a Vcs does"
    answerable = []
    for change in changed:
        if analysis.is_test(change.path):
            continue
        if change.path.startswith("../"):
            context.problems.append(
                f"{change.path} is outside the application's folder, where coverage is not "
                "recorded: used the import graph"
            )
            continue
        blind = analysis.coverage_blind(change.path)
        if blind:
            context.problems.append(blind)
            continue
        answerable.append(change)
    outcome = covered_tests(
        context.app, answerable, context.store, context.vcs, context.changes, analysis.functions
    )
    context.problems.extend(outcome.notes)
    for nodeid, reasons in outcome.tests.items():
        for text in reasons:
            context.reasons.add(nodeid, analysis.file_of(nodeid), "covers", text)
    answered = set(outcome.answered)
    return [c.path for c in changed if c.path not in answered]
