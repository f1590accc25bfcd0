"""The workflow file's schema: each block's keys, in the file's order, and the ports value it is.

``applications.<name>`` is structured straight into an ``Application`` (its name the key),
``select`` into ``SelectSettings`` (``critical`` fills ``critical_markers``, ``always_run.markers``
``always_run_markers``), ``mapping_rules`` into ``MappingRule``s and ``execution`` into an
``Execution`` with its ``OutputLimits`` (its ``passenv`` goes to every application),
``environments`` into ``EnvironmentSpec`` values (``orch.core.workflow.services``), ``isolation``
into ``IsolationSettings`` (``orch.core.workflow.isolation``). ``runner`` is
a tagged union keyed by adapter name: ``runner: {command: {run: ...}}`` is structured into the
``Settings`` class the ``command`` runner declares, so core knows no runner's settings.
"""

from __future__ import annotations

import weakref
from functools import partial
from pathlib import Path
from typing import Any

from orch.core.plugins import Registry
from orch.core.shared.documents import describe, shown
from orch.core.shared.spelling import unknown
from orch.core.workflow.data_use import read_data_use
from orch.core.workflow.isolation import ISOLATION, mode_only, read_test_type
from orch.core.workflow.phases import read_criticality
from orch.core.workflow.services import service_schema
from orch.core.workflow.strict import strict_converter
from orch.core.workflow.structuring import (
    Block,
    Key,
    Nested,
    Problem,
    each_item,
    structure_block,
)
from orch.ports import (
    Application,
    Execution,
    IsolationSettings,
    MappingRule,
    OutputLimits,
    SelectSettings,
)
from orch.ports.phases import PRIORITY_TERMS

_STRINGS = tuple[str, ...]

ALWAYS_RUN = Block(
    (
        Key("markers", _STRINGS, to="always_run_markers"),
        Key("paths", _STRINGS, to="always_run_paths"),
    )
)


def _priority(value: Any) -> dict[str, Any]:
    """``execution.priority``: the dynamic priority terms in use."""
    terms = [value] if isinstance(value, str) else value
    if not isinstance(terms, list) or not all(isinstance(term, str) for term in terms):
        raise Problem(f"expected a list of priority terms, got {describe(value)}")
    for term in terms:
        if term not in PRIORITY_TERMS:
            raise Problem(unknown("priority term", shown(term), PRIORITY_TERMS))
    return {"priority": tuple(dict.fromkeys(terms))}


def _criticality(value: Any) -> dict[str, Any]:
    problems: list[str] = []
    found = read_criticality(value, "", problems)
    if problems:
        raise Problem(problems[0].removeprefix(": "))
    return {"criticality": found}


def _execution(passenv: tuple[str, ...] = (), **settings: Any) -> dict[str, Any]:
    """``execution``'s own settings, and the ``passenv`` every application inherits."""
    return {"execution": Execution(**settings), "passenv": passenv}


EXECUTION = Block(
    (
        Key("workers", int),
        Key("timeout", float | None),
        Key("shard_timeout", float | None),
        Key("retries", int),
        Key("retry_timeouts", bool),
        Key("heartbeat", float),
        Key("passenv", _STRINGS),
        Key("output", OutputLimits),
        Key("isolation", IsolationSettings),
        Key("priority", read=_priority),
    ),
    make=_execution,
)

TRIAGE = Block(
    (
        Key("categories", list[Any]),
        Key("allure_categories", str | None),
        Key("routing", dict[str, str]),
        Key("fallback_owner", str),
        Key("codeowners", str | None),
    )
)
"""Read into a dict: the triage settings need the files it names (see ``loading``)."""


def _datasets(value: Any) -> dict[str, Any]:
    """``test_data``, kept as written: its datasets are read once the file has its shape
    (``orch.core.shared.data_spec``), each problem at its own path."""
    if not isinstance(value, dict):
        raise Problem(f"expected a mapping of dataset names to datasets, got {describe(value)}")
    return {"test_data": value}


def _later(value: Any) -> dict[str, Any]:
    """A key read once the file has its shape, each problem at its own path (an application's
    ``health``: ``orch.core.shared.condition_spec``)."""
    return {}


def _flows(value: Any) -> dict[str, Any]:
    """``cross_app_tests``, kept as written: its flows are read once the applications are known
    (``orch.core.shared.flow_spec``), each problem at its own path."""
    if not isinstance(value, dict):
        raise Problem(f"expected a mapping of flow names to flows, got {describe(value)}")
    return {"cross_app_tests": value}


def _phases(value: Any) -> dict[str, Any]:
    """``phases``, kept as written: read once the applications, flows and environments are
    known (``orch.core.workflow.phases``), each problem at its own path."""
    if not isinstance(value, dict):
        raise Problem(f"expected a mapping of phase names to phases, got {describe(value)}")
    return {"phases": value}


class Schema:
    """The workflow file's blocks over one converter and one registry's runners."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.converter = converter = strict_converter()
        self._declared: dict[str, type] = {}
        self.select = Block(
            (
                Key("strategy", str),
                Key("strategies", read=self._strategies),
                Key("mapping_rules", tuple[MappingRule, ...]),
                Key("always_run", read=partial(self._block, ALWAYS_RUN)),
                Key("ignore", _STRINGS),
                Key("critical", _STRINGS, to="critical_markers"),
            ),
            make=SelectSettings,
        )
        converter.register_structure_hook(
            SelectSettings, lambda value, _type: self._block(self.select, value)
        )
        converter.register_structure_hook(
            IsolationSettings,
            lambda value, _type: mode_only(value) or self._block(ISOLATION, value),
        )
        self.application = Block(
            (
                Key("path", required=True, read=self._path),
                Key("runner", required=True, read=self._runner),
                Key("priority", int),
                Key("env", dict[str, str]),
                Key("passenv", _STRINGS),
                Key("paths", _STRINGS),
                Key("timeout", float | None),
                Key("retries", int | None),
                Key("select", SelectSettings),
                Key("retry_timeouts", bool | None),
                Key("environment", str),
                Key("isolation", IsolationSettings),
                Key("test_type", read=read_test_type),
                Key("test_data", read=partial(read_data_use, self._block)),
                Key("health", read=_later),
                Key("criticality", read=_criticality),
            ),
            make=Application,
        )
        self.document = Block(
            (
                Key("applications", required=True, read=self._applications),
                Key("environments", read=service_schema().environments),
                Key("execution", read=partial(self._block, EXECUTION)),
                Key("triage", read=lambda value: {"triage": self._block(TRIAGE, value)}),
                Key("test_data", read=_datasets),
                Key("cross_app_tests", read=_flows),
                Key("phases", read=_phases),
            )
        )

    def structure(self, data: dict[str, Any]) -> dict[str, Any]:
        """``applications`` (name to ``Application``), ``environments`` (name to
        ``EnvironmentSpec``), ``execution``, ``passenv``, ``triage``."""
        self._declared = {}  # the runners' Settings, looked up once a load (plugins may be added)
        return self._block(self.document, data)  # type: ignore[no-any-return]

    def _block(self, block: Block, value: Any, **given: Any) -> Any:
        return structure_block(self.converter, block, value, **given)

    def _applications(self, value: Any) -> dict[str, Any]:
        def one(name: str, raw: Any) -> Application:
            return self._block(self.application, raw, name=name)  # type: ignore[no-any-return]

        return {"applications": each_item(value, Application, one)}

    def _path(self, value: Any) -> dict[str, Any]:
        """The path as written; the loader resolves it under the workflow's directory."""
        return {"path": Path(self.converter.structure(value, str))}

    def _strategies(self, value: Any) -> dict[str, Any]:
        """``strategies: null`` is every analysis, as when it is left out."""
        return {} if value is None else {"strategies": self.converter.structure(value, _STRINGS)}

    def _runner(self, value: Any) -> dict[str, Any]:
        """``runner: {name: settings}`` or ``runner: name``: the registry's runner of that name,
        its settings structured into the ``Settings`` class it declares."""
        if isinstance(value, str):
            value = {value: None}
        if not isinstance(value, dict) or len(value) != 1:
            raise Problem("expected one runner, e.g. {pytest: {args: [-q]}} or pytest")
        ((name, raw),) = value.items()
        declared = self._declared.get(name)
        if declared is None:
            if not self.registry.has("runner", name):  # listing them all loads every runner
                raise Problem(
                    partial(unknown, "runner", shown(name), self.registry.names("runner"))
                )
            declared = self._declared[name] = self.registry.runners.get(name).Settings
        try:
            settings: object = self.converter.structure({} if raw is None else raw, declared)
        except Exception as exc:
            raise Nested(name, exc) from exc
        return {"runner": name, "settings": settings}


_SCHEMAS: weakref.WeakKeyDictionary[Registry, Schema] = weakref.WeakKeyDictionary()
"""One schema per registry: its converter generates code for every block (most of a load)."""


def schema_of(registry: Registry) -> Schema:
    """The schema of workflow files whose runners ``registry`` provides."""
    if registry not in _SCHEMAS:
        _SCHEMAS[registry] = Schema(registry)
    return _SCHEMAS[registry]
