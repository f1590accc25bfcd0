"""Loading orch plugins into the one pluggy manager of a process, each only when first needed,
and holding a plugin to what its distribution declares (``orch.core.installed``): a declaration
that lies would hide an adapter from the commands that trust it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import cast

import pluggy
from attrs import frozen

from orch.core.installed import LIFECYCLE, InstalledPlugin, declaration_group
from orch.core.report import DEFAULT_PLUGINS
from orch.ports import PluginError
from orch.ports import hooks as hookspecs
from orch.ports.hooks import KINDS, PROJECT

DIRECTLY = "(registered directly)"
"""The distribution shown for a plugin given in code rather than installed (fakes in tests)."""


@frozen
class PluginInfo:
    """One registered adapter class and where it came from."""

    kind: str
    name: str
    distribution: str
    version: str
    module: str
    cls: type


class PluginLoader:
    """The pluggy manager, and the installed plugins not yet loaded into it.

    ``generation`` grows with every plugin registered, so a reader of the manager knows when
    what it collected may be out of date.
    """

    def __init__(self, installed: Iterable[InstalledPlugin] = (), extra: Iterable[object] = ()):
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(hookspecs)
        self.generation = 0
        self._waiting = list(installed)
        self._origins: dict[int, tuple[str, str]] = {}
        for plugin in extra:
            self.register(plugin)

    def load_defaults(self) -> None:
        """Register the built-in reporters (pytest's ``default_plugins``), each module under its
        name, the first time lifecycle hooks are wanted: commands that run nothing skip them."""
        for name in DEFAULT_PLUGINS:
            if self.manager.get_plugin(name) is None:
                self.manager.register(importlib.import_module(name), name=name)

    def load(self, wanted: Callable[[InstalledPlugin], bool]) -> None:
        """Load every plugin not loaded yet that ``wanted`` says may be needed."""
        chosen = [plugin for plugin in self._waiting if wanted(plugin)]
        self._waiting = [plugin for plugin in self._waiting if plugin not in chosen]
        for installed in chosen:
            self._load(installed)

    def register(self, plugin: object, name: str | None = None) -> dict[str, list[str]]:
        """Register a plugin object (a fake, a built-in lifecycle plugin, a loaded module);
        returns the names of the adapters it provides, by kind, each checked to have one."""
        self.manager.register(plugin, name=name)
        self.generation += 1
        provided = {}
        for kind, hook_name in KINDS.items():
            impls = getattr(self.manager.hook, hook_name).get_hookimpls()
            mine = [impl for impl in impls if impl.plugin is plugin]
            provided[kind] = sorted(n for impl in mine for n, _ in _registered(impl, hook_name))
        return provided

    def unregister(self, plugin: object) -> None:
        """Remove a plugin ``register`` added (a run's own reporters, once the run is over)."""
        self.manager.unregister(plugin)
        self.generation += 1

    def collect(self, kind: str) -> list[PluginInfo]:
        """Every adapter of ``kind`` the plugins registered so far provide."""
        infos = []
        for impl in getattr(self.manager.hook, KINDS[kind]).get_hookimpls():
            dist, version = self._origins.get(id(impl.plugin), (DIRECTLY, ""))
            for name, cls in _registered(impl, KINDS[kind]):
                infos.append(PluginInfo(kind, name, dist, version, cls.__module__, cls))
        return infos

    def _load(self, installed: InstalledPlugin) -> None:
        entry = installed.entry
        try:
            plugin = entry.load()
        except Exception as exc:  # a broken third-party package must not look like our bug
            raise PluginError(
                f"the orch plugin '{entry.name}' of {_origin(installed)} failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if id(plugin) in self._origins:  # one module named by two entry points
            return
        self._origins[id(plugin)] = (installed.distribution, installed.version)
        provided = self.register(plugin, name=f"{installed.distribution}:{entry.name}")
        if installed.declared is not None:
            self._check_declarations(installed, plugin, provided)

    def _check_declarations(
        self, installed: InstalledPlugin, plugin: object, provided: dict[str, list[str]]
    ) -> None:
        said = f"{_origin(installed)}: its orch plugin '{installed.entry.name}'"
        unknown = sorted(installed.declared_kinds() - set(KINDS) - {LIFECYCLE})
        if unknown:
            known = ", ".join(declaration_group(k) for k in [*KINDS, LIFECYCLE])
            raise PluginError(
                f"{said} is declared in the unknown entry-point group "
                f"{declaration_group(unknown[0])} (known: {known})"
            )
        for kind, registered in provided.items():
            declared = installed.declared_names(kind)
            if registered != declared:
                raise PluginError(
                    f"{said} registers {_names(kind, registered)} but declares "
                    f"{_names(kind, declared)} (entry-point group {declaration_group(kind)}); "
                    "declare exactly the adapters it registers"
                )
        callers = self.manager.get_hookcallers(plugin) or []
        lifecycle = sorted(c.name for c in callers if c.name not in KINDS.values())
        if lifecycle and not installed.may_hook():
            raise PluginError(
                f"{said} implements {lifecycle[0]} but does not declare lifecycle hooks; add "
                f'{installed.entry.name} = "{installed.entry.value}" to the entry-point group '
                f"{declaration_group(LIFECYCLE)}"
            )


def _registered(impl: pluggy.HookImpl, hook_name: str) -> Iterator[tuple[str, type]]:
    """The ``(PLUGIN_NAME, class)`` pairs one registration hook implementation returns."""
    classes = impl.function() or ()
    for cls in cast(Iterable[type], classes):
        name = getattr(cls, "PLUGIN_NAME", None)
        if not isinstance(name, str) or not name:
            raise PluginError(
                f"{impl.plugin_name}: {hook_name} returned {cls!r} without a PLUGIN_NAME"
            )
        yield name, cls


def _names(kind: str, names: list[str]) -> str:
    return f"{kind} {', '.join(repr(n) for n in names)}" if names else f"no {kind}"


def _origin(installed: InstalledPlugin) -> str:
    return f"{installed.distribution} {installed.version}"
