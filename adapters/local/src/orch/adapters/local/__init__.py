"""orch's local adapter: shard processes and environment services on this machine, run state in
SQLite."""

from orch.adapters.local.executor import LocalExecutor, LocalProcess
from orch.adapters.local.store import SqliteStore

__all__ = ["LocalExecutor", "LocalProcess", "SqliteStore"]
