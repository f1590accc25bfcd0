"""Entry point of the local adapter: registers LocalExecutor, SqliteStore and the InboxTracker.
The ProcessProvisioner has a plugin of its own (``provisioner_plugin``): loading this one for
every run's executor and store does not import the provisioner."""

from __future__ import annotations

from orch.adapters.local.executor import LocalExecutor
from orch.adapters.local.inbox import InboxTracker
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


@hookimpl
def orch_register_issue_trackers() -> list[type]:
    """Provide the local inbox, the tracker used when no Jira or GitHub is configured."""
    return [InboxTracker]
