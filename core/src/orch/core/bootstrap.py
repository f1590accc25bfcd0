"""The composition root: the one place that picks concrete adapters for the use cases.

Adapters come from the plugin registry unless passed in explicitly (fakes in tests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from attrs import define

from orch.core.plugins import Registry, load_registry
from orch.ports import Executor, IssueTracker, Store, TestRunner, Vcs

STATE_DIR_NAME = ".orch"


def state_dir_for(root: Path) -> Path:
    """Where orch keeps runs, history and caches: ``$ORCH_HOME`` or ``<root>/.orch``."""
    home = os.environ.get("ORCH_HOME")
    return Path(home).resolve() if home else root.resolve() / STATE_DIR_NAME


@define
class Services:
    """The adapters one use case needs, chosen once."""

    registry: Registry
    runners: Mapping[str, TestRunner]
    executor: Executor
    store: Store
    vcs: Vcs | None
    state_dir: Path

    def tracker(self, name: str = "inbox") -> IssueTracker:
        """The issue tracker called ``name``; the local inbox lives in the state directory."""
        cls = self.registry.get("tracker", name)
        return cls(self.state_dir) if name == "inbox" else cls()

    def close(self) -> None:
        self.store.close()


def bootstrap(
    root: Path,
    *,
    registry: Registry | None = None,
    runners: Mapping[str, TestRunner] | None = None,
    executor: Executor | None = None,
    store: Store | None = None,
    vcs: Vcs | None = None,
    executor_name: str = "local",
    store_name: str = "sqlite",
    vcs_name: str = "git",
) -> Services:
    """Build the services for a workflow rooted at ``root``."""
    registry = registry or load_registry()
    state_dir = state_dir_for(root)
    if runners is None:
        runners = {name: registry.get("runner", name)() for name in registry.names("runner")}
    for name, runner in runners.items():
        cache_in = getattr(runner, "cache_in", None)  # optional: runners that keep caches
        if cache_in is not None:
            cache_in(state_dir / "cache" / name)
    if executor is None:
        executor = registry.get("executor", executor_name)()
    if store is None:
        store = registry.get("store", store_name)(state_dir)
    if vcs is None and vcs_name in registry.names("vcs"):
        vcs = registry.get("vcs", vcs_name)()
    return Services(registry, runners, executor, store, vcs, state_dir)
