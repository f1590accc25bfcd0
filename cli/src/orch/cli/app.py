"""The ``App`` every command shares through click's ``ctx.obj``: the adapter registry, the
project's workflow and its services, each built when a command first asks for it (so
``orch --help`` builds none and ``orch status`` no workflow), all closed when the command ends.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import click

from orch.core import Registry, Services, Workflow, bootstrap, load_registry, workflow_for


class App:
    """What one ``orch`` command works with, built on first use and then kept."""

    def __init__(self, registry: Registry | None = None) -> None:
        self._registry = registry
        self._workflows: dict[tuple[Path, Path | None], Workflow] = {}
        self._services: dict[Path, Services] = {}

    @property
    def registry(self) -> Registry:
        """The installed adapters (each plugin imported when its kind is first used)."""
        if self._registry is None:
            self._registry = load_registry()
        return self._registry

    def workflow(self, directory: Path, workflow_file: Path | None = None) -> Workflow:
        """The workflow of the project in ``directory``: ``workflow_file``, else the one found
        there, else ``directory`` as one pytest project."""
        key = (directory.resolve(), workflow_file.resolve() if workflow_file else None)
        if key not in self._workflows:
            self._workflows[key] = workflow_for(directory, workflow_file, self.registry)
        return self._workflows[key]

    def services(self, root: Path) -> Services:
        """The adapters of the project rooted at ``root`` (its state in ``root/.orch``)."""
        root = root.resolve()
        if root not in self._services:
            self._services[root] = bootstrap(root, registry=self.registry)
        return self._services[root]

    def close(self) -> None:
        """Close every store the command opened."""
        for services in self._services.values():
            services.close()

    def __enter__(self) -> App:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


pass_app = click.make_pass_decorator(App)
"""Gives a command the ``App`` the root group put into ``ctx.obj`` as its first argument."""
