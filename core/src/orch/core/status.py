"""Live status of a run, read from the store: what ``orch status`` shows from another terminal."""

from __future__ import annotations

from attrs import frozen

from orch.core.outcomes import Counts, count
from orch.ports import ConfigError, RunningTest, RunRecord, Store


@frozen
class RunStatus:
    """A run's record, its counts so far and the tests running right now."""

    record: RunRecord
    counts: Counts
    running: tuple[RunningTest, ...]


def run_status(store: Store, run_id: str | None = None) -> RunStatus:
    """Status of run ``run_id`` (default: the latest run)."""
    record = store.get_run(run_id) if run_id else store.latest_run()
    if record is None:
        raise ConfigError(f"no run '{run_id}' recorded" if run_id else "no run recorded yet")
    running = tuple(store.running(record.id)) if record.status == "running" else ()
    counts = count(store.final_results(record.id), store.planned(record.id), len(running))
    return RunStatus(record, counts, running)
