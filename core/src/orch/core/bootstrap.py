"""The composition root: the one place that picks concrete adapters for the use cases.

Adapters come from the plugin registry, built by their port's constructor contract
(``orch.core.plugins``) when a use case first asks for them, unless passed in explicitly
(fakes in tests). So ``orch status`` builds a store and loads no runner, executor or tracker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from orch.core.plugins import Registry, load_registry
from orch.core.shared.state_dir import state_dir_for
from orch.ports import Executor, IssueTracker, Provisioner, Store, TestRunner, Vcs


class Services:
    """The adapters of one project's use cases: those not given are built on first use, by the
    names in ``names`` (default: executor ``local``, store ``sqlite``, vcs ``git`` when
    installed), then kept."""

    def __init__(
        self,
        registry: Registry,
        runners: Mapping[str, TestRunner] | None,
        executor: Executor | None,
        store: Store | None,
        vcs: Vcs | None,
        state_dir: Path,
        names: Mapping[str, str] | None = None,
        provisioners: Sequence[Provisioner] | None = None,
    ) -> None:
        self.registry = registry
        self._provisioners = list(provisioners) if provisioners is not None else None
        self.state_dir = state_dir
        self._runners = runners
        self._executor = executor
        self._store = store
        self._vcs = vcs
        self._vcs_known = vcs is not None
        self._closed = False
        self._names = {"executor": "local", "store": "sqlite", "vcs": "git", **(names or {})}

    @property
    def runners(self) -> Mapping[str, TestRunner]:
        """Every installed test runner, by name; each is built when first looked up."""
        if self._runners is None:
            self._runners = _Runners(self.registry, self.state_dir)
        return self._runners

    @property
    def executor(self) -> Executor:
        """Where shards run."""
        if self._executor is None:
            self._executor = self.registry.executors.build(self._names["executor"], self.state_dir)
        return self._executor

    @property
    def store(self) -> Store:
        """Where runs, history and coverage are kept."""
        if self._store is None:
            self._store = self.registry.stores.build(self._names["store"], self.state_dir)
        return self._store

    @property
    def vcs(self) -> Vcs | None:
        """The version control the change sets come from; None when none is installed."""
        if not self._vcs_known:
            name = self._names["vcs"]
            if name in self.registry.vcs.names():
                self._vcs = self.registry.vcs.build(name, self.state_dir)
            self._vcs_known = True
        return self._vcs

    @property
    def provisioners(self) -> list[Provisioner]:
        """Every installed provisioner (built when environments are first wanted)."""
        if self._provisioners is None:
            provisioners = self.registry.provisioners
            self._provisioners = [
                provisioners.build(name, self.state_dir) for name in provisioners.names()
            ]
        return self._provisioners

    def tracker(self, name: str = "inbox") -> IssueTracker:
        """The issue tracker called ``name``."""
        return self.registry.trackers.build(name, self.state_dir)

    def close(self) -> None:
        """Close the store, if one was opened; closing twice closes it once."""
        if self._store is not None and not self._closed:
            self._store.close()
            self._closed = True


class _Runners(Mapping[str, TestRunner]):
    """The installed runners by name. Looking one up loads only the plugins that may provide it
    and builds it once: a run of pytest apps does not import the command runner's XML parsers.
    Listing them (``len``, iterating) loads every runner plugin."""

    def __init__(self, registry: Registry, state_dir: Path) -> None:
        self._registry = registry
        self._state_dir = state_dir
        self._built: dict[str, TestRunner] = {}

    def __getitem__(self, name: str) -> TestRunner:
        if name not in self._built:
            if not self._registry.has("runner", name):
                raise KeyError(name)
            self._built[name] = self._registry.runners.build(name, self._state_dir)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry.runners.names())

    def __len__(self) -> int:
        return len(self._registry.runners.names())


def bootstrap(
    root: Path,
    *,
    registry: Registry | None = None,
    runners: Mapping[str, TestRunner] | None = None,
    executor: Executor | None = None,
    store: Store | None = None,
    vcs: Vcs | None = None,
    provisioners: Sequence[Provisioner] | None = None,
    executor_name: str = "local",
    store_name: str = "sqlite",
    vcs_name: str = "git",
) -> Services:
    """The services for a workflow rooted at ``root``; nothing is built until it is used."""
    names = {"executor": executor_name, "store": store_name, "vcs": vcs_name}
    registry = registry or load_registry()
    state_dir = state_dir_for(root)
    return Services(registry, runners, executor, store, vcs, state_dir, names, provisioners)
