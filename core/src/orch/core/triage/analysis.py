"""The triage use case: failures in, a handful of root causes out, each categorised, placed in
history, explained and assigned.

Steps, per run: turn failing results into ``Failure``s (trace parsed), categorise them (user rules,
then the evidence in each failure, a test that also passed in these results being flaky),
cluster them into root causes, classify each against history (flaky,
regression, known, new), suggest where to look (a changed file the trace runs through, else the
deepest frame of the app's own code, then the category's hint), route them to an owner, and
remember them in the store so the next run knows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from attrs import evolve

from orch.core.triage.categories import categorise
from orch.core.triage.clustering import cluster_failures
from orch.core.triage.places import is_app_frame
from orch.core.triage.routing import assign
from orch.core.triage.traces import failure_from
from orch.ports import (
    Application,
    ConfigError,
    Failure,
    FailureStanding,
    FailureStore,
    HistoryStore,
    Outcome,
    ResultFileError,
    ResultParser,
    RunStore,
    Standing,
    TestResult,
)
from orch.ports.run import TriageReport
from orch.ports.triage import FLAKY, TriageSettings

TRIAGED = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.FLAKY})
"""Outcomes triage looks at: what failed, and what passed only on retry."""


class TriageStore(FailureStore, HistoryStore, Protocol):
    """What triage reads and keeps: failures by fingerprint, and how flaky each test was."""


def triage(
    results: Iterable[TestResult],
    settings: TriageSettings,
    *,
    store: TriageStore | None = None,
    run_id: str = "",
    commit: str = "",
    before: Mapping[tuple[str, str], Outcome] | None = None,
    changed: Sequence[tuple[str, str]] = (),
    owner_paths: dict[str, str] | None = None,
) -> TriageReport:
    """Analyse the failing results of a run.

    ``changed`` are (app, app-relative path) pairs of the change under test, for suggestions;
    ``before`` are the (app, nodeid) outcomes of the previous run of the base: a test that
    passed there makes its failure a regression; ``owner_paths`` maps an app to its path in the
    repository, for CODEOWNERS.
    """
    results = list(results)
    passed = {(r.app, r.nodeid) for r in results if r.outcome is Outcome.PASSED}
    failing = [failure_from(r, commit) for r in results if r.outcome in TRIAGED]
    categorised = [
        categorise(f, settings.rules, (f.result.app, f.result.nodeid) in passed) for f in failing
    ]
    clusters = cluster_failures(categorised)
    clustered = [f for cluster in clusters for f in cluster.failures]
    known = store.failure_history([f.fingerprint for f in clustered]) if store else {}
    before = before or {}
    flake_rates = _flake_rates(store, clustered)
    changed_set = set(changed)
    analysed = []
    for failure in clustered:
        history = known.get(failure.fingerprint)
        seen_before = history is not None and (not run_id or history.first_run != run_id)
        status = _history_status(failure, seen_before, before)
        rate = flake_rates.get((failure.result.app, failure.result.nodeid), 0.0)
        standing = FailureStanding(
            status,
            rate if status is Standing.FLAKY else 0.0,
            history.issue if history is not None else "",
        )
        failure = evolve(failure, history=standing, suggestion=_suggest(failure, changed_set))
        prefix = (owner_paths or {}).get(failure.result.app, "")
        failure = assign(settings.routing, failure, _owner_candidates(failure, prefix))
        analysed.append(failure)
    if store is not None and run_id:
        store.record_failures(run_id, commit, analysed)
    order = {f.id: i for i, f in enumerate(analysed)}
    by_id = {f.id: f for f in analysed}
    final_clusters = tuple(
        evolve(c, failures=tuple(by_id[f.id] for f in c.failures)) for c in clusters
    )
    return TriageReport(tuple(sorted(analysed, key=lambda f: order[f.id])), final_clusters)


def results_of_files(
    paths: Sequence[Path],
    parsers: Sequence[ResultParser],
    applications: Sequence[Application],
    app: str = "",
) -> list[TestResult]:
    """The tests in result files (JUnit XML, TestNG, ...), each of the application it belongs to.

    A file under an application's path belongs to it (the deepest one), and its locations are
    made relative to that path, so the ids are those ``orch run`` records for that application;
    ``app`` names the application of every file instead; a file of no application is named by
    its stem. Ids are the parsers', as the framework wrote them.

    :raises ConfigError: a file no parser reads, or a corrupt one, named with the reason.
    """
    by_name = {a.name: a for a in applications}
    results = []
    for path in paths:
        owner = by_name.get(app) if app else _owner_of(path, applications)
        name = app or (owner.name if owner else path.stem)
        for result in _parse(path, parsers, name):
            results.append(result.relative_to(owner.path) if owner else result)
    return results


def _owner_of(path: Path, applications: Sequence[Application]) -> Application | None:
    path = path.resolve()
    holders = [a for a in applications if path.is_relative_to(a.path.resolve())]
    return max(holders, key=lambda a: len(a.path.resolve().parts), default=None)


def _parse(path: Path, parsers: Sequence[ResultParser], app: str) -> list[TestResult]:
    with path.open("rb") as stream:
        head = stream.read(8192)
    for parser in parsers:
        if parser.sniff(head):
            try:
                return parser.parse(path, app)
            except ResultFileError as problem:
                raise ConfigError(str(problem)) from None
    raise ConfigError(f"{path}: not a result file orch can read (JUnit XML or testng-results.xml)")


def outcomes_at(
    store: RunStore, apps: Iterable[str], commit: str
) -> dict[tuple[str, str], Outcome]:
    """(app, nodeid) -> outcome in each app's latest finished run at ``commit``."""
    return {
        (app, nodeid): outcome
        for app in apps
        for nodeid, outcome in store.last_outcomes(app, commit).items()
    }


def _flake_rates(
    store: HistoryStore | None, failures: list[Failure], window: int = 20
) -> dict[tuple[str, str], float]:
    """(app, nodeid) -> share of the app's last ``window`` runs in which the test was flaky."""
    if store is None:
        return {}
    rates = {}
    for app in {f.result.app for f in failures if f.result.outcome is Outcome.FLAKY}:
        for nodeid, history in store.outcome_history(app, window).items():
            if history.flaky_rate:
                rates[(app, nodeid)] = history.flaky_rate
    return rates


def _history_status(
    failure: Failure, seen_before: bool, before: Mapping[tuple[str, str], Outcome]
) -> Standing:
    """flaky (passed on retry or in another run), regression (passed at the base), known (seen
    before), or new."""
    if failure.result.outcome is Outcome.FLAKY or failure.defect_type == FLAKY:
        return Standing.FLAKY
    if before.get((failure.result.app, failure.result.nodeid)) is Outcome.PASSED:
        return Standing.REGRESSION
    return Standing.KNOWN if seen_before else Standing.NEW


def _suggest(failure: Failure, changed: set[tuple[str, str]]) -> str:
    """Where to look first: a changed file the trace runs through, else the deepest frame of the
    app's own code; the category's hint follows."""
    hint = failure.suggestion
    app = failure.result.app
    own = [frame for frame in failure.frames if is_app_frame(frame)]
    for frame in reversed(own):
        for candidate_app, path in changed:
            if candidate_app == app and _same_file(frame.file, path):
                return _join(f"likely caused by your change to {path}:{frame.line}", hint)
    if own:
        deepest = own[-1]
        return _join(f"look at {deepest.file}:{deepest.line} in {deepest.function}()", hint)
    return hint


def _owner_candidates(failure: Failure, prefix: str) -> list[str]:
    """Repository paths to look up in CODEOWNERS: app frames deepest first, then the test file."""
    own = [frame.file for frame in reversed(failure.frames) if is_app_frame(frame)]
    test_file = failure.result.file or failure.result.nodeid.split("::")[0]
    relative = [p for p in (*own, test_file) if p and not p.startswith("/")]
    return [f"{prefix}{p}" if prefix else p for p in relative]


def _same_file(frame_file: str, path: str) -> bool:
    frame_file = frame_file.replace("\\", "/")
    return frame_file == path or frame_file.endswith("/" + path)


def _join(first: str, hint: str) -> str:
    return f"{first}; {hint}" if hint else first
