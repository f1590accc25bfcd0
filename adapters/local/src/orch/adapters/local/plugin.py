"""Entry point of the local adapter: registers LocalExecutor, SqliteStore, the InboxTracker and
the ProcessProvisioner."""

from __future__ import annotations

from orch.adapters.local.executor import LocalExecutor
from orch.adapters.local.inbox import InboxTracker
from orch.adapters.local.provisioning import ProcessProvisioner
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


@hookimpl
def orch_register_provisioners() -> list[type]:
    """Provide the provisioner that runs process and postgres services as local processes."""
    return [ProcessProvisioner]
