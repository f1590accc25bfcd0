"""Loading adapters: built-in and third-party adapters all arrive through ``orch`` entry points.

The registry asks each plugin's registration hooks for its classes, keeps them by kind and
``PLUGIN_NAME``, and refuses two packages claiming the same name, naming both. Plugins are loaded
when a kind (or one adapter of it) is first asked for, guided by what their distributions declare
(``orch.core.installed``): ``orch status`` imports the store's plugin, not the issue trackers'.

The constructor contract of each port, applied by ``Adapters.build`` (``orch.core.bootstrap``):

========  ==================================  ================================================
kind      the class is called with            notes
========  ==================================  ================================================
runner    nothing                             one runner serves every application: its
                                              ``Settings`` arrive with each call, as
                                              ``app.settings``; then ``cache_in(<state
                                              dir>/cache/<name>)`` if it has that method
parser    nothing
executor  nothing
store     the state directory (``.orch/``)    where it keeps its files
vcs       nothing
tracker   the state directory (``.orch/``)    a local tracker keeps its issues there; a remote
                                              one may ignore it (credentials come from the
                                              environment, never from arguments)
impact    nothing                             one language's change analysis
sink      nothing                             loads test data (``orch.ports.data``)
field     nothing                             one kind of generated value
                                              (``orch.ports.field_kinds``)
probe     nothing                             runs the query of an ``sql`` wait
                                              (``orch.ports.conditions``)
========  ==================================  ================================================
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar, cast

import pluggy
from attrs import frozen

from orch.core.installed import InstalledPlugin, installed_plugins
from orch.core.plugin_loading import PluginInfo, PluginLoader
from orch.core.shared.spelling import unknown
from orch.ports import (
    ChangeImpact,
    Executor,
    IssueTracker,
    PluginError,
    Provisioner,
    ResultParser,
    Store,
    TestRunner,
    Vcs,
)
from orch.ports.conditions import SqlProbe
from orch.ports.data import DataSink
from orch.ports.field_kinds import FieldKind
from orch.ports.hooks import KINDS

__all__ = ["PORTS", "Adapters", "PluginInfo", "Port", "Registry", "load_registry"]

T = TypeVar("T")


@frozen
class Port(Generic[T]):
    """One kind of adapter and its constructor contract: what an adapter class of that kind
    is given when the composition root builds one for a project (see the table above)."""

    kind: str
    receives: str
    arguments: Callable[[Path], tuple]
    ready: Callable[[T, Path, str], None] = lambda adapter, state_dir, name: None

    def build(self, cls: type, state_dir: Path, name: str) -> T:
        """An adapter of class ``cls`` (registered as ``name``) for the state dir ``state_dir``."""
        arguments = self.arguments(state_dir)
        try:
            inspect.signature(cls).bind(*arguments)
        except TypeError as problem:
            raise PluginError(
                f"the {self.kind} adapter '{name}' ({cls.__module__}.{cls.__qualname__}) cannot "
                f"be built: a {self.kind} is given {self.receives} ({problem}); fix its __init__"
            ) from None
        adapter = cast(T, cls(*arguments))
        self.ready(adapter, state_dir, name)
        return adapter


def _nothing(state_dir: Path) -> tuple:
    return ()


def _the_state_dir(state_dir: Path) -> tuple:
    return (state_dir,)


def _runner_ready(runner: TestRunner, state_dir: Path, name: str) -> None:
    cache_in = getattr(runner, "cache_in", None)  # optional (see TestRunner)
    if cache_in is not None:
        cache_in(state_dir / "cache" / name)


RUNNERS: Port[TestRunner] = Port("runner", "no arguments", _nothing, _runner_ready)
PARSERS: Port[ResultParser] = Port("parser", "no arguments", _nothing)
EXECUTORS: Port[Executor] = Port("executor", "no arguments", _nothing)
STORES: Port[Store] = Port("store", "the state directory", _the_state_dir)
VCS: Port[Vcs] = Port("vcs", "no arguments", _nothing)
TRACKERS: Port[IssueTracker] = Port("tracker", "the state directory", _the_state_dir)
IMPACTS: Port[ChangeImpact] = Port("impact", "no arguments", _nothing)
PROVISIONERS: Port[Provisioner] = Port("provisioner", "no arguments", _nothing)
SINKS: Port[DataSink] = Port("sink", "no arguments", _nothing)
FIELDS: Port[FieldKind] = Port("field", "no arguments", _nothing)
PROBES: Port[SqlProbe] = Port("probe", "no arguments", _nothing)
PORTS: dict[str, Port] = {
    p.kind: p
    for p in (
        RUNNERS,
        PARSERS,
        EXECUTORS,
        STORES,
        VCS,
        TRACKERS,
        IMPACTS,
        PROVISIONERS,
        SINKS,
        FIELDS,
        PROBES,
    )
}
"""Every kind of adapter (the kinds of ``orch.ports.hooks.KINDS``) and its contract."""


@frozen
class Adapters(Generic[T]):
    """The adapters of one kind, typed by its port: ``registry.stores.build("sqlite", state)``."""

    registry: Registry
    port: Port[T]

    def names(self) -> list[str]:
        """Sorted names of the adapters of this kind."""
        return self.registry.names(self.port.kind)

    def get(self, name: str) -> type[T]:
        """The adapter class called ``name``."""
        return cast("type[T]", self.registry.get(self.port.kind, name))

    def build(self, name: str, state_dir: Path) -> T:
        """The adapter ``name``, built by the port's constructor contract."""
        return self.port.build(self.get(name), state_dir, name)


class Registry:
    """The adapters available to this process, by kind and name, each kind loaded on first use.

    ``infos`` are adapters known already (tests); ``loader`` brings the plugins' adapters.
    """

    def __init__(self, infos: Iterable[PluginInfo] = (), loader: PluginLoader | None = None):
        self._given = list(infos)
        self._loader = loader or PluginLoader()
        self._by_kind: dict[str, dict[str, PluginInfo]] = {}
        self._generation: dict[str, int] = {}
        for kind in KINDS:  # two given adapters of one name are refused at once
            _by_name(info for info in self._given if info.kind == kind)

    @property
    def runners(self) -> Adapters[TestRunner]:
        """The test runners."""
        return Adapters(self, RUNNERS)

    @property
    def parsers(self) -> Adapters[ResultParser]:
        """The result parsers."""
        return Adapters(self, PARSERS)

    @property
    def executors(self) -> Adapters[Executor]:
        """The executors."""
        return Adapters(self, EXECUTORS)

    @property
    def stores(self) -> Adapters[Store]:
        """The stores."""
        return Adapters(self, STORES)

    @property
    def vcs(self) -> Adapters[Vcs]:
        """The version-control adapters."""
        return Adapters(self, VCS)

    @property
    def trackers(self) -> Adapters[IssueTracker]:
        """The issue trackers."""
        return Adapters(self, TRACKERS)

    @property
    def provisioners(self) -> Adapters[Provisioner]:
        """The provisioners (what starts an environment's services)."""
        return Adapters(self, PROVISIONERS)

    @property
    def sinks(self) -> Adapters[DataSink]:
        """The data sinks (what loads test data)."""
        return Adapters(self, SINKS)

    @property
    def field_kinds(self) -> Adapters[FieldKind]:
        """The kinds of generated fields."""
        return Adapters(self, FIELDS)

    @property
    def sql_probes(self) -> Adapters[SqlProbe]:
        """What runs the queries of ``sql`` waits, by database."""
        return Adapters(self, PROBES)

    def names(self, kind: str) -> list[str]:
        """Sorted names of the adapters of one kind."""
        return sorted(self._kind(kind))

    def has(self, kind: str, name: str) -> bool:
        """Whether an adapter of ``kind`` is called ``name``; loads only the plugins that may
        provide it (those that declare it, and those that declare nothing)."""
        return name in self._kind(kind, name)

    def get(self, kind: str, name: str) -> type:
        """The adapter class of ``kind`` called ``name``; unknown names suggest the closest."""
        info = self._kind(kind, name).get(name)
        if info is None:
            raise PluginError(unknown(kind, name, self.names(kind)))
        return info.cls

    def infos(self) -> list[PluginInfo]:
        """Every registered adapter, sorted by kind then name (every plugin is loaded)."""
        self._loader.load(lambda plugin: True)
        return [info for kind in KINDS for _, info in sorted(self._kind(kind).items())]

    @property
    def manager(self) -> pluggy.PluginManager:
        """The pluggy manager, with every plugin that may implement lifecycle hooks loaded."""
        self._loader.load(InstalledPlugin.may_hook)
        self._loader.load_defaults()
        return self._loader.manager

    @property
    def hook(self) -> pluggy.HookRelay:
        """The hooks to call (``registry.hook.orch_...``), every lifecycle plugin loaded."""
        return self.manager.hook

    def register(self, plugin: object, name: str | None = None) -> None:
        """Add a plugin given in code (a built-in lifecycle plugin, a fake in a test)."""
        self._loader.register(plugin, name)

    def unregister(self, plugin: object) -> None:
        """Remove a plugin ``register`` added (a run's own reporters, once the run is over)."""
        self._loader.unregister(plugin)

    def _kind(self, kind: str, name: str | None = None) -> dict[str, PluginInfo]:
        """The adapters of ``kind``; loads the plugins that may provide ``name`` (any if None)."""
        if kind not in KINDS:
            raise PluginError(unknown("adapter kind", kind, list(KINDS)))
        self._loader.load(lambda plugin: plugin.may_provide(kind, name))
        if self._generation.get(kind) != self._loader.generation:
            given = [info for info in self._given if info.kind == kind]
            self._by_kind[kind] = _by_name(given + self._loader.collect(kind))
            self._generation[kind] = self._loader.generation
        return self._by_kind[kind]


def _by_name(infos: Iterable[PluginInfo]) -> dict[str, PluginInfo]:
    """Adapters of one kind by name, refusing a name two packages claim."""
    found: dict[str, PluginInfo] = {}
    for info in infos:
        known = found.get(info.name)
        if known is not None:
            raise PluginError(
                f"two packages provide the {info.kind} adapter '{info.name}': "
                f"{_origin(known)} and {_origin(info)}; uninstall one of them"
            )
        found[info.name] = info
    return found


def load_registry(extra_plugins: Iterable[object] = (), entry_points: bool = True) -> Registry:
    """The registry of the ``orch`` entry points plus ``extra_plugins`` (e.g. fakes in tests);
    nothing is imported until an adapter is asked for."""
    installed = installed_plugins() if entry_points else []
    return Registry(loader=PluginLoader(installed, extra_plugins))


def _origin(info: PluginInfo) -> str:
    version = f" {info.version}" if info.version else ""
    return f"{info.distribution}{version} ({info.module})"
