"""An environment with its test data: the run's environment nodes bring an environment up and
then load the datasets its applications read (the sink's ``{service.url}`` templates resolved
from it, as an application's ``env`` is), remove them before it goes down, and load them
again into an environment replaced after a service died (its database is a new one)."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import evolve

from orch.ports import Application, Environments, RunningService
from orch.ports.data import RunTestData
from orch.ports.simulator import ExpectationCheck


class WithData:
    """``environments`` whose ``up`` also loads ``data`` (an ``Environments`` itself)."""

    def __init__(self, environments: Environments, data: RunTestData) -> None:
        self.environments = environments
        self.data = data

    def up(self, name: str, run: str) -> None:
        self.environments.up(name, run)
        self.data.load(name, self._resolve)

    def variables(self, app: Application) -> Mapping[str, str]:
        return self.environments.variables(app)

    def services(self, name: str) -> Mapping[str, RunningService]:
        return self.environments.services(name)

    def replace(self, name: str, run: str) -> None:
        self.data.remove(name)
        self.environments.replace(name, run)
        self.data.load(name, self._resolve)

    def expectations(self, name: str) -> tuple[ExpectationCheck, ...]:
        return self.environments.expectations(name)

    def down(self, name: str) -> None:
        try:
            self.data.remove(name)
        finally:
            self.environments.down(name)

    def close(self) -> None:
        try:
            self.data.close()
        finally:
            self.environments.close()

    def _resolve(self, app: Application, options: Mapping[str, str]) -> Mapping[str, str]:
        """``options`` with their templates resolved from ``app``'s environment."""
        resolved = self.environments.variables(evolve(app, env=dict(options)))
        return {key: resolved[key] for key in options}
