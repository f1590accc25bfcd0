"""One application's selection, step by step: whole-application reasons first, then changed
tests, changed sources, deleted files, history and always-run tests; then the result."""

from __future__ import annotations

from collections.abc import Sequence

from attrs import evolve

from orch.core.select.always_run import always_run, critical
from orch.core.select.context import AppContext
from orch.core.select.history import by_history
from orch.core.select.mapping import by_mapping
from orch.core.select.scoring import Cases
from orch.core.select.sources import by_imports, narrowed, sources_changed
from orch.core.select.whole_app import matches, whole_app_reason
from orch.ports import AppImpact, ChangedFile
from orch.ports.selection import AppSelection


def select_app(context: AppContext, build_files: Sequence[str]) -> AppSelection:
    """The selection of ``context``'s application for its changed files."""
    app, analysis = context.app, context.analysis
    every = context.changes.of(app.name)
    files = [f for f in every if not matches(f.path, app.select.ignore)]
    if app.select.strategy == "all":
        return whole(context, "select.strategy is 'all'")
    if not files:
        why = "no file of this application changed"
        if len(files) < len(every):
            why = "only ignored files changed (select.ignore)"
        return AppSelection(app.name, (), False, (why,), 0, tuple(context.problems))
    runner = context.runner
    if runner is None or not runner.selects_tests:
        return whole(
            context, f"runner '{app.runner}' cannot run single tests; {files[0].path} changed"
        )
    if analysis is None:
        return whole(
            context,
            f"no installed change analysis reads this application; {files[0].path} changed",
        )
    reason = whole_app_reason(files, app.select.mapping_rules, build_files, analysis)
    if reason:
        return whole(context, reason)
    _changed(context, analysis, files)
    return result(context, analysis)


def _changed(context: AppContext, analysis: AppImpact, files: Sequence[ChangedFile]) -> None:
    by_mapping(context, analysis, files)
    read = [f for f in files if analysis.reads(f.path) and f.status != "deleted"]
    context.problems.extend(analysis.notes([f.path for f in read]))
    tests = [f for f in read if analysis.is_test(f.path)]
    for change in tests:
        context.reasons.reached(analysis.changed_tests(change))
    sources = [f for f in read if not analysis.is_test(f.path)]
    sources = [f for f in sources if not narrowed(context, analysis, f)]
    sources_changed(context, analysis, sources + tests)
    by_imports(context, analysis, _gone(analysis, files))
    by_history(context, analysis, [f.path for f in read])
    always_run(context, analysis)


def whole(context: AppContext, reason: str) -> AppSelection:
    """Every test of the application, each with ``reason``."""
    app, analysis, runner = context.app, context.analysis, context.runner
    if runner is None or not runner.selects_tests or analysis is None:
        return AppSelection(app.name, (), True, (reason,), 0, tuple(context.problems))
    text = f"whole application: {reason}"
    for test_file, nodeids in analysis.tests_in(analysis.test_files()).items():
        for nodeid in nodeids:
            context.reasons.add(nodeid, test_file, "whole-app", text)
    return evolve(result(context, analysis), whole_app=True, reasons=(reason,))


def result(context: AppContext, analysis: AppImpact) -> AppSelection:
    """What the reasons found add up to, scored; the analysis keeps its caches."""
    durations = context.store.durations(context.app.name)
    tests = context.reasons.tests(
        context.app.name, critical(context, analysis), context.history(), durations
    )
    cases = Cases(durations)
    every = analysis.tests_in(analysis.test_files())
    suite = cases.of(nodeid for nodeids in every.values() for nodeid in nodeids)
    analysis.close()
    why = () if tests else ("the change reaches no test of this application",)
    return AppSelection(
        context.app.name,
        tuple(tests),
        False,
        why,
        suite,
        tuple(context.problems),
        count=cases.of(t.nodeid for t in tests),
    )


def _gone(analysis: AppImpact, files: Sequence[ChangedFile]) -> list[str]:
    """Paths the analysis reads that no longer exist after the change (deleted, renamed away)."""
    gone = [f.path for f in files if f.status == "deleted" and analysis.reads(f.path)]
    moved = [f.old_path for f in files if f.status == "renamed" and f.old_path]
    return gone + [path for path in moved if analysis.reads(path)]
