"""Selection by recorded per-test coverage: the tests that ran the changed code.

Changed lines are read on the base side of the diff (``old_hunks``) and matched against the map
recorded by ``orch run --record-coverage``. A change inside a function selects every test that ran
that function (any of its lines), so an inserted line is caught too; a change at module level, a
file no test ran, or a file that changed since the map was recorded is left to the import graph,
and the reason is said.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from attrs import field, frozen

from orch.core.select.changes import ChangeSet
from orch.ports import Application, ChangedFile, CoverageStore, FunctionSpan, OrchError, Vcs

Functions = Callable[[str], Sequence[FunctionSpan] | None]
"""The functions of a source file in the app's language (``AppImpact.functions``)."""


@frozen
class CoverageAnswer:
    """Tests selected by coverage (with reasons), the files coverage answered for, and notes."""

    tests: dict[str, list[str]] = field(factory=dict)
    answered: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def covered_tests(
    app: Application,
    changed: list[ChangedFile],
    store: CoverageStore,
    vcs: Vcs,
    changes: ChangeSet,
    functions: Functions,
) -> CoverageAnswer:
    """Select the tests of ``app`` whose recorded coverage reaches the ``changed`` files."""
    if not changed:
        return CoverageAnswer()
    recorded = store.coverage(app.name, [c.path for c in changed])
    if recorded is None:
        return CoverageAnswer(
            notes=("no coverage map recorded (orch run --record-coverage): used the import graph",)
        )
    repository, prefix = changes.places[app.name]
    base = changes.base_of(app.name)
    short = recorded.commit[:12]
    drifted = set(recorded.stale)
    if recorded.commit != base:
        try:
            since = vcs.changed_files(repository, recorded.commit, base)
        except OrchError as problem:
            return CoverageAnswer(
                notes=(
                    f"the coverage map was recorded at {short or 'an unknown commit'}, which "
                    f"cannot be compared with this repository ({problem}): used the import graph",
                )
            )
        drifted |= {c.path[len(prefix) :] for c in since if c.path.startswith(prefix)}
    tests: dict[str, list[str]] = {}
    answered, notes = [], []
    for change in changed:
        path = change.path
        if path in drifted:
            notes.append(
                f"{path} changed since the coverage map's commit {short}: used the import graph"
            )
            continue
        executed = recorded.lines.get(path)
        if not executed:
            notes.append(f"no test ran {path} when coverage was recorded: used the import graph")
            continue
        old = vcs.show(repository, base, prefix + path)
        found = functions(old) if old is not None else None
        if found is None:
            notes.append(f"{path} at {base[:12]} could not be read: used the import graph")
            continue
        reached = _reached(path, change, found, executed)
        if reached is None:
            notes.append(f"module-level code of {path} changed: used the import graph for it")
            continue
        answered.append(path)
        for nodeid, reason in reached.items():
            tests.setdefault(nodeid, []).append(reason)
    return CoverageAnswer(tests, tuple(answered), tuple(notes))


def _reached(
    path: str,
    change: ChangedFile,
    found: Sequence[FunctionSpan],
    executed: dict[str, tuple[int, ...]],
) -> dict[str, str] | None:
    """nodeid -> reason for every test that ran a changed function; None at module level."""
    reached: dict[str, str] = {}
    for first, last in change.old_hunks or change.hunks:
        function = innermost(found, first)
        if function is None or not function.start <= last <= function.end:
            return None
        body = range(function.start, function.end + 1)
        for nodeid, lines in executed.items():
            ran = set(lines)
            if ran.intersection(range(first, last + 1)):
                reached.setdefault(nodeid, f"covers {path}:{first}-{last}, changed")
            elif ran.intersection(body):
                reached.setdefault(
                    nodeid, f"runs {function.qualname}() in {path}, changed at lines {first}-{last}"
                )
    return reached


def innermost(found: Sequence[FunctionSpan], line: int) -> FunctionSpan | None:
    """The innermost of the functions ``found`` containing ``line``."""
    best = None
    for span in found:
        if span.start <= line <= span.end and (best is None or span.start >= best.start):
            best = span
    return best
