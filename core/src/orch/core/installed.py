"""What the installed orch plugins say they provide, read from their metadata without importing
them, so that a command loads only the plugins of the kinds it uses.

A distribution names its plugin module in the ``orch`` entry-point group (that is what registers
it), and may declare what the module provides in one group per kind, each entry named after an
adapter and pointing at the same module, plus ``orch.lifecycle`` for lifecycle hooks::

    [project.entry-points.orch]
    jira = "orch.adapters.jira.plugin"

    [project.entry-points."orch.tracker"]
    jira = "orch.adapters.jira.plugin"

A plugin that declares nothing may provide anything: it is loaded whenever any kind is asked for.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from importlib.metadata import Distribution, EntryPoint

from attrs import frozen

from orch.ports.hooks import PROJECT

LIFECYCLE = "lifecycle"
"""The declaration (``orch.lifecycle``) of a plugin that implements lifecycle hooks."""


def declaration_group(kind: str) -> str:
    """The entry-point group that declares adapters of ``kind`` (``orch.runner``)."""
    return f"{PROJECT}.{kind}"


@frozen
class InstalledPlugin:
    """One ``orch`` entry point, its distribution, and what that declares the plugin provides.

    ``declared`` holds ``(kind, name)`` pairs (kind ``lifecycle`` with the entry's name for
    lifecycle hooks); None when the distribution declares nothing for this entry point.
    """

    entry: EntryPoint
    distribution: str
    version: str
    declared: frozenset[tuple[str, str]] | None

    def may_provide(self, kind: str, name: str | None = None) -> bool:
        """Whether loading this plugin can add the adapter ``name`` of ``kind`` (any, if None)."""
        if self.declared is None:
            return True
        return any(k == kind and name in (None, n) for k, n in self.declared)

    def may_hook(self) -> bool:
        """Whether this plugin can implement lifecycle hooks."""
        return self.may_provide(LIFECYCLE)

    def declared_names(self, kind: str) -> list[str]:
        """The adapters of ``kind`` it declares, sorted."""
        return sorted(n for k, n in self.declared or () if k == kind)

    def declared_kinds(self) -> set[str]:
        """Every kind it declares something of (``lifecycle`` included)."""
        return {k for k, _ in self.declared or ()}


def installed_plugins() -> list[InstalledPlugin]:
    """Every ``orch`` entry point of every installed distribution, with its declarations.

    ``entry_points(group=...)`` tells distributions apart by their folder names, so only the
    entry points of distributions with an ``orch`` entry point are read a second time.
    """
    return list(_plugins())


def _plugins() -> Iterator[InstalledPlugin]:
    for entry in importlib.metadata.entry_points(group=PROJECT):
        dist = entry.dist
        if dist is not None:
            name, version = dist.metadata["Name"], dist.version
            yield InstalledPlugin(entry, name, version, _declared(entry, dist))


def _declared(entry: EntryPoint, dist: Distribution) -> frozenset[tuple[str, str]] | None:
    prefix = f"{PROJECT}."
    pairs = {
        (other.group.removeprefix(prefix), other.name)
        for other in dist.entry_points
        if other.group.startswith(prefix) and other.value == entry.value
    }
    return frozenset(pairs) if pairs else None
