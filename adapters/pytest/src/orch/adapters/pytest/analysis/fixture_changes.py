"""A ``conftest.py`` changed only inside fixtures reaches just the tests using those fixtures, as
pytest's own collection of the working tree tells (``item.fixturenames``).

Narrowing is refused -- every test beneath the conftest stays selected -- when a changed line is
outside a fixture, a fixture is renamed with ``name=``, a module imports the conftest, or a test
asks for fixtures by name at run time (``request.getfixturevalue``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orch.adapters.pytest.analysis.imports import ImportGraph
from orch.adapters.pytest.analysis.pytests import changed_fixtures, is_conftest
from orch.ports import ChangedFile, Reach, ReachKind, TestCase


def fixture_reach(
    root: Path,
    graph: ImportGraph,
    change: ChangedFile,
    before: Callable[[], str | None],
    collect: Callable[[], list[TestCase] | None],
) -> list[Reach] | None:
    """The tests using a changed fixture of the modified conftest ``change``; None when this
    is not a conftest or its change cannot be narrowed."""
    if not is_conftest(change.path) or change.status != "modified":
        return None
    names = _changed_names(root, change, before)
    if not names or not _static(root, graph, change.path):
        return None
    collected = collect()
    if collected is None:
        return None
    directory = change.path.rpartition("/")[0]
    reached = []
    for case in collected:
        if directory and not case.file.startswith(directory + "/"):
            continue
        used = names if case.fixtures is None else names.intersection(case.fixtures)
        if used:
            text = f"uses fixture {', '.join(sorted(used))} of {change.path}, which changed"
            nodeid = case.nodeid.split("[", 1)[0]
            reached.append(Reach(nodeid, case.file, ReachKind.DIRECT, change.path, text=text))
    return reached


def _changed_names(
    root: Path, change: ChangedFile, before: Callable[[], str | None]
) -> set[str] | None:
    """The fixtures holding every changed line, on both sides of the diff (None: not all)."""
    old = before()
    new = (root / change.path).read_text(encoding="utf-8", errors="replace")
    earlier = changed_fixtures(old, change.old_hunks) if old is not None else None
    later = changed_fixtures(new, change.hunks) if change.hunks else set()
    if earlier is None or later is None:
        return None
    return earlier | later


def _static(root: Path, graph: ImportGraph, conftest: str) -> bool:
    """Whether the tests beneath ``conftest`` name their fixtures where pytest records them:
    not when one imports the conftest or asks for a fixture by name at run time."""
    if any(conftest in graph.imports_of(path) for path in graph.files):
        return False
    directory = conftest.rpartition("/")[0]
    prefix = f"{directory}/" if directory else ""
    for path in graph.files:
        if path.startswith(prefix) and not path.startswith("../"):
            text = (root / path).read_text(encoding="utf-8", errors="replace")
            if "getfixturevalue" in text:
                return False
    return True
