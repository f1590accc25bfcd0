"""orch's local adapter: shard processes on this machine and run state in SQLite."""

from orch.adapters.local.executor import LocalExecutor, LocalProcess
from orch.adapters.local.store import SqliteStore

__all__ = ["LocalExecutor", "LocalProcess", "SqliteStore"]
