"""Which tests of a changed Python test file its change touches: the tests whose code changed,
the new ones, or every test of the file when module-level code (run before each test) changed."""

from __future__ import annotations

from pathlib import Path

from orch.adapters.pytest.analysis.pytests import nodeid_path
from orch.adapters.pytest.analysis.spans import spans
from orch.ports import ChangedFile, Reach, ReachKind


def changed_tests(root: Path, change: ChangedFile, nodeids: list[str]) -> list[Reach]:
    """The tests among ``nodeids`` (those of the test file ``change``) its change touches."""
    path = change.path

    def reach(nodeid: str, kind: ReachKind, text: str) -> Reach:
        return Reach(nodeid, path, kind, path, text=text)

    if change.status in ("added", "untracked"):
        return [reach(n, ReachKind.NEW, "new test (its file is new)") for n in nodeids]
    found = spans((root / path).read_text(encoding="utf-8", errors="replace"))
    if found is None:
        why = f"{path} changed and does not parse"
        return [reach(n, ReachKind.TEST_CHANGED, why) for n in nodeids]
    named = nodeid_path(path)
    tests = {f"{named}::{s.qualname}": s for s in found if f"{named}::{s.qualname}" in nodeids}
    reached = []
    for first, last in change.hunks:
        hit = [n for n, s in tests.items() if s.overlaps(first, last)]
        if not hit:
            why = f"module-level code of {path} changed (lines {first}-{last})"
            reached += [reach(n, ReachKind.TEST_CHANGED, why) for n in nodeids]
        for nodeid in hit:
            span = tests[nodeid]
            if first <= span.start and span.end <= last:
                reached.append(reach(nodeid, ReachKind.NEW, "new test (added in this change)"))
            else:
                why = f"its code changed (lines {first}-{last})"
                reached.append(reach(nodeid, ReachKind.TEST_CHANGED, why))
    return reached
