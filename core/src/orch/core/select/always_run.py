"""Tests that run whatever changed (always-run paths and markers), and the critical marker that
ranks a selected test higher."""

from __future__ import annotations

import fnmatch

from orch.core.select.context import AppContext
from orch.ports import AppImpact


def always_run(context: AppContext, analysis: AppImpact) -> None:
    """Add the tests the ``always_run`` paths and markers name."""
    settings = context.app.select
    for pattern in settings.always_run_paths:
        chosen = [f for f in analysis.test_files() if fnmatch.fnmatch(f, pattern)]
        for test_file, nodeids in analysis.tests_in(chosen).items():
            for nodeid in nodeids:
                context.reasons.add(nodeid, test_file, "always-run", f"always-run: {pattern}")
    for marker in settings.always_run_markers:
        for test_file in analysis.test_files():
            for nodeid in analysis.marked(test_file, marker):
                context.reasons.add(nodeid, test_file, "always-run", f"always-run: marker {marker}")


def critical(context: AppContext, analysis: AppImpact) -> dict[str, str]:
    """nodeid -> critical marker, for the selected tests carrying one."""
    found: dict[str, str] = {}
    for test_file in sorted(set(context.reasons.files.values())):
        for marker in context.app.select.critical_markers:
            for nodeid in analysis.marked(test_file, marker):
                found.setdefault(nodeid, marker)
    return found
