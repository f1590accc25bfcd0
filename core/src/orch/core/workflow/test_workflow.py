"""``TestWorkflow``: a workflow built in Python a piece at a time, as the seed writes it
(``workflow.add_cross_app_test("end-to-end-payment", {...})``). Each piece is checked as it is
added, with the same lines the workflow file would give at that key; ``.workflow`` is the
finished ``Workflow`` that ``Engine`` runs (``Engine`` also takes the builder itself)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import evolve

from orch.core.shared.flow_spec import flow_from
from orch.core.workflow.model import Workflow
from orch.core.workflow.phases import Declared, order_problems, phase_from
from orch.ports import Application, ConfigError
from orch.ports.flows import FlowSpec


class TestWorkflow:
    """Applications, then the flows across them and the phases; any other ``Workflow`` field
    by keyword (``execution``, ``environments``, ``test_data``, ``root``, ``triage``)."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, applications: Iterable[Application] = (), **fields: Any) -> None:
        self._workflow = Workflow(applications=tuple(applications), **fields)

    @property
    def workflow(self) -> Workflow:
        return self._workflow

    def add_application(self, application: Application) -> TestWorkflow:
        apps = (*self._workflow.applications, application)
        self._workflow = evolve(self._workflow, applications=apps)
        return self

    def add_cross_app_test(self, name: str, mapping: Mapping[str, Any]) -> TestWorkflow:
        """Add the flow ``name`` (``{"steps": [...], "data_flow": {...}}``), checked at once."""
        where = f"cross-app test '{name}'"
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"{where}: must be a mapping with steps and data_flow")
        apps = [app.name for app in self._workflow.applications]
        flow, problems = flow_from(name, mapping, f"{where}: ", apps)
        if flow is None:
            raise ConfigError("\n".join(problems))
        flows: tuple[FlowSpec, ...] = (*self._workflow.cross_app_tests, flow)
        self._workflow = evolve(self._workflow, cross_app_tests=flows)
        return self

    def add_phase(self, name: str, mapping: Mapping[str, Any]) -> TestWorkflow:
        """Add the phase ``name`` (``{"select": {...}, "depends_on": [...], "gate": {...}}``,
        as under ``phases:``), checked at once; it may wait only for phases added before."""
        workflow = self._workflow
        declared = Declared(
            [app.name for app in workflow.applications],
            [flow.name for flow in workflow.cross_app_tests],
            [environment.name for environment in workflow.environments],
        )
        phase, problems = phase_from(name, mapping, f"phase '{name}': ", declared)
        if phase is not None:
            problems = order_problems(
                [*workflow.phases, phase], "phases", lambda name: f"phase '{name}': "
            )
        if phase is None or problems:
            raise ConfigError("\n".join(problems))
        self._workflow = evolve(workflow, phases=(*workflow.phases, phase))
        return self


AnyWorkflow = Workflow | TestWorkflow
"""What ``Engine`` runs: a ``Workflow``, or the builder of one."""


def as_workflow(workflow: AnyWorkflow) -> Workflow:
    """The ``Workflow`` of either form."""
    return workflow.workflow if isinstance(workflow, TestWorkflow) else workflow
