"""Entry point of the local adapter: registers LocalExecutor and SqliteStore with orch."""

from __future__ import annotations

from orch.adapters.local.executor import LocalExecutor
from orch.adapters.local.store import SqliteStore
from orch.ports import hookimpl


@hookimpl
def orch_register_executors() -> list[type]:
    """Provide the executor that runs shards as local processes."""
    return [LocalExecutor]


@hookimpl
def orch_register_stores() -> list[type]:
    """Provide the store that keeps runs in ``<state dir>/orch.db``."""
    return [SqliteStore]
