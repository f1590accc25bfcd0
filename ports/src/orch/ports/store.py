"""The store's ports, narrow by what their users need, and the values they pass.

A use case depends only on the port it uses: the run writes and reads runs (``RunStore``),
planning and selection read what past runs left (``HistoryStore``), selection reads and the run
saves coverage maps (``CoverageStore``), triage remembers failures (``FailureStore``). ``Store``
is their union: what a store adapter implements and registers (kind ``store``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from attrs import asdict, field, frozen

from orch.ports.model import (
    CoverageMap,
    Failure,
    FailureHistory,
    Outcome,
    RunningTest,
    TestFilter,
    TestResult,
)


class RunState(enum.StrEnum):
    """Where a run is: running, finished (every planned test ran), or interrupted (its
    orchestrator stopped or died first: ``orch run --resume`` continues it). The values are the
    text the store keeps."""

    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"


@frozen
class RunSpec:
    """The options a run was started with, so ``orch run --resume`` starts it the same way.

    ``directory`` and ``workflow`` (None: the directory's own) are where it ran; the others are
    None when the command line did not give them: ``workers``, ``timeout``, ``retries``,
    ``select`` (``changed``), ``base``/``head`` of the change, ``apps`` it was limited to and the
    ``filters`` that narrowed each application.
    """

    directory: Path | None = None
    workflow: Path | None = None
    workers: int | None = None
    timeout: float | None = None
    retries: int | None = None
    select: str | None = None
    base: str | None = None
    head: str | None = None
    apps: tuple[str, ...] | None = None
    filters: Mapping[str, TestFilter] | None = field(default=None, hash=False)

    def overridden_by(self, given: RunSpec) -> RunSpec:
        """This spec with each option ``given`` sets (not None) in place of its own."""
        mine, theirs = _options(self), _options(given)
        merged = {k: theirs[k] if theirs[k] is not None else mine[k] for k in mine}
        return RunSpec(self.directory, self.workflow, **merged)

    def as_json(self) -> str:
        """The text the store keeps: what every orch version wrote, so any of them resumes."""
        options: dict[str, Any] = _options(self)
        if self.apps is not None:
            options["apps"] = list(self.apps)
        if self.filters is not None:
            options["filters"] = {name: asdict(f) for name, f in self.filters.items()}
        return json.dumps(
            {
                "directory": None if self.directory is None else str(self.directory),
                "workflow": None if self.workflow is None else str(self.workflow),
                **{key: value for key, value in options.items() if value is not None},
            }
        )

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        """The spec ``as_json`` wrote (keys it does not know are ignored); ValueError naming
        the JSON path of a value it cannot have written."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("run spec $: not an object")
        for key, kinds in _SPEC_KINDS.items():
            _check(data.get(key), kinds, f"$.{key}")
        directory, workflow = data.get("directory"), data.get("workflow")
        filters = data.get("filters")
        return cls(
            directory=None if directory is None else Path(directory),
            workflow=Path(workflow) if workflow else None,
            workers=data.get("workers"),
            timeout=data.get("timeout"),
            retries=data.get("retries"),
            select=data.get("select"),
            base=data.get("base"),
            head=data.get("head"),
            apps=None if data.get("apps") is None else tuple(data["apps"]),
            filters=None if filters is None else {n: _filter(f, n) for n, f in filters.items()},
        )


def _options(spec: RunSpec) -> dict[str, Any]:
    return {
        "workers": spec.workers,
        "timeout": spec.timeout,
        "retries": spec.retries,
        "select": spec.select,
        "base": spec.base,
        "head": spec.head,
        "apps": spec.apps,
        "filters": spec.filters,
    }


_TEXTS = (str,)
_SPEC_KINDS: dict[str, tuple[type, ...]] = {
    "directory": _TEXTS,
    "workflow": _TEXTS,
    "workers": (int,),
    "timeout": (int, float),
    "retries": (int,),
    "select": _TEXTS,
    "base": _TEXTS,
    "head": _TEXTS,
    "apps": (list,),
    "filters": (dict,),
}
_FILTER_KINDS = {"paths": (list,), "keyword": _TEXTS, "marker": _TEXTS}
_FILTER_KINDS |= {"tests": (list,), "runner_args": (list,)}


def _check(value: object, kinds: tuple[type, ...], path: str) -> None:
    """ValueError unless ``value`` is None or of ``kinds`` (a list: of texts)."""
    wrong = value is not None and (isinstance(value, bool) or not isinstance(value, kinds))
    if wrong or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        raise ValueError(f"run spec {path}: {json.dumps(value)[:40]} is not what orch writes")


def _filter(saved: object, name: str) -> TestFilter:
    path = f"$.filters.{json.dumps(name)}"
    if not isinstance(saved, dict) or not set(saved) <= set(_FILTER_KINDS):
        raise ValueError(f"run spec {path}: not a test filter")
    for key, value in saved.items():
        _check(value, _FILTER_KINDS[key], f"{path}.{key}")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()}
    return TestFilter(**values)


@frozen
class RunRecord:
    """A run as the store keeps it; ``spec`` is None for a run not started by ``orch run``."""

    id: str
    workflow: str
    commit: str
    started_at: float
    ended_at: float | None = None
    exit_code: int | None = None
    status: RunState = field(default=RunState.RUNNING, converter=RunState)
    pid: int = 0
    spec: RunSpec | None = None


@frozen
class OutcomeHistory:
    """How one test fared in its application's recent finished runs: in how many it had a final
    result, in how many that was a failure (failed, error, timeout), in how many flaky."""

    runs: int = 0
    failures: int = 0
    flaky: int = 0

    @property
    def failure_rate(self) -> float:
        """The share of those runs in which it failed (0 with no runs)."""
        return self.failures / self.runs if self.runs else 0.0

    @property
    def flaky_rate(self) -> float:
        """The share of those runs in which it was flaky (0 with no runs)."""
        return self.flaky / self.runs if self.runs else 0.0


@frozen
class Progress:
    """One batch of what happened in a run, written to the store in one transaction.

    ``attempts`` are the attempts that a retry follows (a final attempt is in ``finals``);
    ``started``/``finished`` add and remove rows of the tests running right now; ``durations``
    feed each test's moving average (``HistoryStore.durations``).
    """

    attempts: Sequence[TestResult] = ()
    finals: Sequence[TestResult] = ()
    started: Sequence[RunningTest] = ()
    finished: Sequence[tuple[str, str]] = ()
    planned: int | None = None
    durations: dict[tuple[str, str], float] = field(factory=dict, hash=False)


@runtime_checkable
class RunStore(Protocol):
    """Runs as they happen, so a killed run can be resumed and a live one watched.

    ``update_run`` changes ``ended_at``, ``exit_code``, ``status`` (a ``RunState`` or its text)
    or ``pid``; an unknown run is a KeyError, another field a ValueError.
    """

    def create_run(self, record: RunRecord) -> None: ...

    def get_run(self, run_id: str) -> RunRecord | None: ...

    def latest_run(self) -> RunRecord | None: ...

    def list_runs(self, limit: int = 20) -> list[RunRecord]: ...

    def update_run(self, run_id: str, **changes: Any) -> None: ...

    def record(self, run_id: str, progress: Progress) -> None: ...

    def final_results(self, run_id: str) -> list[TestResult]: ...

    def attempts(self, run_id: str) -> list[TestResult]: ...

    def running(self, run_id: str) -> list[RunningTest]: ...

    def planned(self, run_id: str) -> int: ...

    def last_outcomes(self, app: str, commit: str) -> dict[str, Outcome]:
        """Final outcomes of the app's tests in its latest finished run at ``commit``."""
        ...


@runtime_checkable
class HistoryStore(Protocol):
    """What past runs say of each test (written through ``RunStore.record``)."""

    def durations(self, app: str) -> dict[str, float]:
        """The moving average of each test's duration in seconds, across runs."""
        ...

    def outcome_history(self, app: str, runs: int = 20) -> dict[str, OutcomeHistory]:
        """Per test, its outcomes over the app's last ``runs`` finished runs with results."""
        ...


@runtime_checkable
class CoverageStore(Protocol):
    """The newest map of which lines each test ran, per application."""

    def save_coverage(self, coverage: CoverageMap) -> None: ...

    def coverage(self, app: str, files: Sequence[str] | None = None) -> CoverageMap | None: ...


@runtime_checkable
class FailureStore(Protocol):
    """Triaged failures by fingerprint across runs, and the issue filed for each."""

    def record_failures(self, run_id: str, commit: str, failures: Sequence[Failure]) -> None: ...

    def failure_history(self, fingerprints: Sequence[str]) -> dict[str, FailureHistory]: ...

    def link_issue(self, fingerprint: str, issue: str, run_id: str = "") -> None: ...


@runtime_checkable
class Store(RunStore, HistoryStore, CoverageStore, FailureStore, Protocol):
    """Every store port in one: what a store adapter implements (kind ``store``)."""

    PLUGIN_NAME: ClassVar[str]

    def close(self) -> None: ...
