"""History: a test that failed in recent runs is selected when the change reaches its file."""

from __future__ import annotations

from collections.abc import Sequence

from orch.core.select.context import AppContext
from orch.ports import AppImpact


def by_history(context: AppContext, analysis: AppImpact, changed: Sequence[str]) -> None:
    """Add the recently failing tests whose file ``changed`` touches or reaches."""
    if "history" not in context.strategies or not changed:
        return
    failing = {nodeid: h for nodeid, h in context.history().items() if h.failures}
    if not failing:
        return
    reached_from: dict[str, str] = {}
    for reach in analysis.importers(changed):
        reached_from.setdefault(reach.file, reach.changed)
    touched = set(changed)
    for nodeid, outcomes in failing.items():
        test_file = analysis.file_of(nodeid)
        what = reached_from.get(test_file, test_file if test_file in touched else None)
        if what is None:
            continue
        context.reasons.add(
            nodeid,
            test_file,
            "history",
            f"failed in {outcomes.failures} of its last {outcomes.runs} runs, and {what} changed",
        )
