"""The Python API of environments: the service dictionaries of ``orch.yaml``, added one by one.

::

    environment = Environment("integration-test")
    environment.add_service("payment-db", {"type": "postgres", "version": "15",
                                           "config": {"port": 5432, "schemas": ["schema.sql"]}})
    workflow = Workflow(applications=(...,), environments=(environment,))
    warm = Environment("integration-test", pool={"size": 2, "reset": ["psql ... -c 'TRUNCATE t'"]})

Each dictionary goes through the schema and checks of the file (``services``, ``environments``),
so a mistake is the same one line, its path inside the environment
(``environment 'integration-test': services.payment-db.ports``); ``pool`` is the ``pool:``
mapping of the file (``environment 'x': pool.size``). What involves several services
(``depends_on``, templates, cycles) is checked when the spec is taken: a service may name one
added after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orch.core.shared.documents import Message, join_path, located, problem_lines
from orch.core.workflow.environments import Placing, links
from orch.core.workflow.services import service_schema
from orch.core.workflow.structuring import explain
from orch.ports import ConfigError, EnvironmentSpec, Pool, ServiceSpec


class Environment:
    """A named set of services built in Python; ``spec`` is the ``EnvironmentSpec`` a
    ``Workflow`` takes (it takes the ``Environment`` itself too). ``root`` is where ``build``
    directories are resolved (default: the current directory)."""

    def __init__(
        self, name: str, root: Path | None = None, pool: Mapping[str, Any] | None = None
    ) -> None:
        self.name = name
        self._placing = Placing((root or Path.cwd()).resolve(), environ=None)
        self._services: dict[str, ServiceSpec] = {}
        self._pool: Pool | None = None
        if pool is not None:
            raw = dict(pool) if isinstance(pool, Mapping) else pool
            try:
                self._pool = service_schema().pool_of(raw)
            except Exception as exc:
                raise ConfigError(self._lines(explain(exc, "$.pool"))) from None

    def add_service(self, name: str, settings: Mapping[str, Any]) -> Environment:
        """Add the service ``name`` described by ``settings`` (a dictionary as in ``orch.yaml``);
        raise ``ConfigError``, one line per problem, when it is wrong."""
        where = join_path("$.services", name)
        if name in self._services:
            raise ConfigError(self._lines([(where, "a service of this name was already added")]))
        raw = dict(settings) if isinstance(settings, Mapping) else settings
        try:
            service = service_schema().service_of(name, raw)
        except Exception as exc:
            raise ConfigError(self._lines(explain(exc, where))) from None
        placed, problems = self._placing.service(service, where)
        if problems:
            raise ConfigError(self._lines(problems))
        self._services[name] = placed
        return self

    @property
    def spec(self) -> EnvironmentSpec:
        """The environment's value, once its services are checked together."""
        spec = EnvironmentSpec(self.name, tuple(self._services.values()), self._pool)
        problems = links(spec, "$")
        if problems:
            raise ConfigError(self._lines(problems))
        return spec

    def _lines(self, problems: Iterable[tuple[str, Message]]) -> str:
        name = f"environment '{self.name}'"
        return problem_lines(
            name, (located(f"{name}: {where[2:]}", what) for where, what in problems)
        )
