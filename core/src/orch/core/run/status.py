"""Live status of a run, read from the store (and what its environments use, from the file beside
the run): what ``orch status`` shows from another terminal."""

from __future__ import annotations

import json
from pathlib import Path

from attrs import evolve, field, frozen

from orch.core.run.environment_usage import EnvironmentUse, read_usage, usage_file
from orch.core.shared.locks import RunLock
from orch.core.shared.outcomes import Counts, count
from orch.ports import ConfigError, RunningTest, RunRecord, RunState, RunStore
from orch.ports.data import RUN_DATA_FILE


@frozen
class RunStatus:
    """A run's record, its counts so far, the tests running right now and what its
    environments use (as last sampled; kept once they are down)."""

    record: RunRecord
    counts: Counts
    running: tuple[RunningTest, ...]
    environments: tuple[EnvironmentUse, ...] = ()
    data: dict[str, dict[str, str]] = field(factory=dict, hash=False)
    """Which dataset version each application read (``orch.ports.data.RUN_DATA_FILE``)."""

    def seconds(self, now: float) -> float | None:
        """How long the run took, or has been going until ``now`` while it runs; None for a run
        whose orchestrator died before writing its end."""
        end = self.record.ended_at
        if end is None:
            if self.record.status is not RunState.RUNNING:
                return None
            end = now
        return max(end - self.record.started_at, 0.0)


def run_status(
    store: RunStore, run_id: str | None = None, state_dir: Path | None = None
) -> RunStatus:
    """Status of run ``run_id`` (default: the latest run).

    With ``state_dir``, a run still marked running whose orchestrator is gone (its lock is free)
    shows as ``interrupted``: it can be resumed; and its environments' usage is read.
    """
    record = store.get_run(run_id) if run_id else store.latest_run()
    if record is None:
        raise ConfigError(f"no run '{run_id}' recorded" if run_id else "no run recorded yet")
    status = _status_of(store, record, state_dir)
    if state_dir is None:
        return status
    usage = read_usage(usage_file(state_dir, record.id))
    return evolve(status, environments=usage, data=_data_seen(state_dir / "runs" / record.id))


def _data_seen(run_dir: Path) -> dict[str, dict[str, str]]:
    """The run's ``data.json`` (none: it read no test data, or it is not readable)."""
    try:
        seen = json.loads((run_dir / RUN_DATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return seen if isinstance(seen, dict) else {}


def recorded_runs(
    store: RunStore, state_dir: Path | None = None, limit: int = 20
) -> list[RunStatus]:
    """The latest ``limit`` runs, newest first, each as ``run_status`` tells it (same liveness)."""
    return [_status_of(store, record, state_dir) for record in store.list_runs(limit=limit)]


def _status_of(store: RunStore, record: RunRecord, state_dir: Path | None) -> RunStatus:
    if record.status is RunState.RUNNING and state_dir is not None:
        lock = RunLock(state_dir, record.id)
        if lock.acquire(wait=False):
            lock.release()
            record = evolve(record, status=RunState.INTERRUPTED)
    running = tuple(store.running(record.id)) if record.status is RunState.RUNNING else ()
    counts = count(store.final_results(record.id), store.planned(record.id), len(running))
    return RunStatus(record, counts, running)
