"""Loading adapters: built-in and third-party adapters all arrive through ``orch`` entry points.

The registry asks each plugin's registration hooks for its classes, keeps them by kind and
``PLUGIN_NAME``, and refuses two packages claiming the same name, naming both. It keeps the
plugin manager, so the lifecycle hooks (``registry.hook.orch_run_finish(...)``) reach every plugin
the entry points brought, plus those a run registers (the built-in reporters, ``plugins=``).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import EntryPoint

import pluggy
from attrs import frozen

from orch.core.report import DEFAULT_PLUGINS
from orch.ports import PluginError
from orch.ports import hooks as hookspecs
from orch.ports.hooks import KINDS, PROJECT


@frozen
class PluginInfo:
    """One registered adapter class and where it came from."""

    kind: str
    name: str
    distribution: str
    version: str
    module: str
    cls: type


class Registry:
    """The adapters available to this process, by kind and name."""

    def __init__(
        self, infos: Iterable[PluginInfo], manager: pluggy.PluginManager | None = None
    ) -> None:
        self._manager = manager or plugin_manager()
        self._by_kind: dict[str, dict[str, PluginInfo]] = {kind: {} for kind in KINDS}
        for info in infos:
            known = self._by_kind[info.kind].get(info.name)
            if known is not None:
                raise PluginError(
                    f"two packages provide the {info.kind} adapter '{info.name}': "
                    f"{_origin(known)} and {_origin(info)}; uninstall one of them"
                )
            self._by_kind[info.kind][info.name] = info

    def names(self, kind: str) -> list[str]:
        """Sorted names of the adapters of one kind."""
        return sorted(self._by_kind[kind])

    def get(self, kind: str, name: str) -> type:
        """The adapter class of ``kind`` called ``name``; unknown names suggest the closest."""
        try:
            return self._by_kind[kind][name].cls
        except KeyError:
            raise PluginError(unknown(kind, name, self.names(kind))) from None

    def infos(self) -> list[PluginInfo]:
        """Every registered adapter, sorted by kind then name."""
        return [info for kind in KINDS for _, info in sorted(self._by_kind[kind].items())]

    @property
    def hook(self) -> pluggy.HookRelay:
        """The hooks of every loaded plugin: ``registry.hook.orch_run_start(...)``."""
        return self._manager.hook

    def register(self, plugin: object) -> None:
        """Add a plugin (an object or module with ``@hookimpl`` methods) to the hooks."""
        self._manager.register(plugin)

    def unregister(self, plugin: object) -> None:
        """Remove a plugin ``register`` added (a run's own reporters, once the run is over)."""
        self._manager.unregister(plugin)


def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager that knows orch's hookspecs and holds the built-in reporters, each
    module registered under its name as pytest does with its ``default_plugins``."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        manager.register(importlib.import_module(name), name=name)
    return manager


def unknown(
    what: str,
    given: object,
    choices: Sequence[str],
    listed: str = "available",
    named: bool = True,
) -> str:
    """The message for a misspelled name, closest match first, then what exists:
    ``unknown runner 'pytst'; did you mean 'pytest'? (available: command, pytest)``;
    ``named=False`` leaves the name out (a key, already shown in its JSON path)."""
    shown = (f" '{given}'" if isinstance(given, str) else f" {given!r}") if named else ""
    return (
        f"unknown {what}{shown}{suggestion(str(given), choices)} ({listed}: {', '.join(choices)})"
    )


def suggestion(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def load_registry(extra_plugins: Iterable[object] = (), entry_points: bool = True) -> Registry:
    """The registry of the ``orch`` entry points plus ``extra_plugins`` (e.g. fakes in tests)."""
    manager = plugin_manager()
    origins: dict[int, tuple[str, str]] = {}
    if entry_points:
        for dist, entry in _entry_points():
            name, version = dist.metadata["Name"], dist.version
            try:
                plugin = entry.load()
            except Exception as exc:  # a broken third-party package must not look like our bug
                raise PluginError(
                    f"the orch plugin '{entry.name}' of {name} {version} failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            if id(plugin) not in origins:
                manager.register(plugin, name=f"{name}:{entry.name}")
                origins[id(plugin)] = (name, version)
    for plugin in extra_plugins:
        manager.register(plugin)
    return Registry(_collect(manager, origins), manager)


def _entry_points() -> Iterator[tuple[importlib.metadata.Distribution, EntryPoint]]:
    """Every ``orch`` entry point of every installed distribution (each distribution once).

    pluggy's own loader skips a second entry point with a name already taken, which would hide
    the very conflict users need to see; walking them here lets the registry name both packages.
    ``entry_points(group=...)`` tells distributions apart by their folder names, so only the
    metadata of distributions with an ``orch`` entry point is parsed (every command pays this).
    """
    for entry in importlib.metadata.entry_points(group=PROJECT):
        if entry.dist is not None:
            yield entry.dist, entry


def _collect(
    manager: pluggy.PluginManager, origins: dict[int, tuple[str, str]]
) -> list[PluginInfo]:
    infos = []
    for kind, hook_name in KINDS.items():
        for impl in getattr(manager.hook, hook_name).get_hookimpls():
            dist_name, version = origins.get(id(impl.plugin), ("(registered directly)", ""))
            for cls in impl.function() or ():
                name = getattr(cls, "PLUGIN_NAME", None)
                if not isinstance(name, str) or not name:
                    raise PluginError(
                        f"{impl.plugin_name}: {hook_name} returned {cls!r} without a PLUGIN_NAME"
                    )
                infos.append(PluginInfo(kind, name, dist_name, version, cls.__module__, cls))
    return infos


def _origin(info: PluginInfo) -> str:
    version = f" {info.version}" if info.version else ""
    return f"{info.distribution}{version} ({info.module})"
