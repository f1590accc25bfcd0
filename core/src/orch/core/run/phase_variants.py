"""The applications a matrix phase runs its tests as: one per combination of its parameters,
named ``app[db=14]`` (``orch.ports.phases.variant_name``), so that each combination's results
are recorded, retried, resumed and reported apart, as results of an application of their own.

A variant is its application with ``ORCH_MATRIX`` and ``ORCH_MATRIX_<NAME>`` added to its
``env``, and, when the matrix has an ``environment`` parameter, that environment instead of its
own (its ``env`` templates then name that environment's services).
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import evolve

from orch.core.workflow.model import Workflow
from orch.ports import Application
from orch.ports.phases import (
    MATRIX_ENVIRONMENT,
    MATRIX_VARIABLE,
    PhaseSpec,
    combination_label,
    variant_name,
)


def with_variants(workflow: Workflow) -> Workflow:
    """``workflow`` with the variants of every matrix phase's applications added."""
    apps = {app.name: app for app in workflow.applications}
    for phase in workflow.phases:
        for app in variants(workflow.applications, phase):
            apps.setdefault(app.name, app)
    if len(apps) == len(workflow.applications):
        return workflow
    return evolve(workflow, applications=tuple(apps.values()))


def variants(applications: Iterable[Application], phase: PhaseSpec) -> list[Application]:
    """The applications of ``applications`` that ``phase`` takes, as it runs them: as they
    are, or one per combination of a matrix."""
    apps = [app for app in applications if phase.select.takes_app(app.name)]
    if phase.strategy != "matrix":
        return apps
    return [variant(app, combination) for combination in phase.combinations() for app in apps]


def variant(app: Application, combination: dict[str, str]) -> Application:
    """``app`` as it runs for ``combination``."""
    env = {MATRIX_VARIABLE: combination_label(combination)}
    env.update({f"{MATRIX_VARIABLE}_{name.upper()}": value for name, value in combination.items()})
    environment = combination.get(MATRIX_ENVIRONMENT, app.environment)
    if environment:  # its env is a template: braces of a value are text
        own = app.env if app.environment else _literal(app.env)
        env = {**own, **_literal(env)}
    else:
        env = {**app.env, **env}
    return evolve(app, name=variant_name(app.name, combination), env=env, environment=environment)


def _literal(env: dict[str, str]) -> dict[str, str]:
    """``env`` as a template that gives it back as it is."""
    return {key: value.replace("{", "{{").replace("}", "}}") for key, value in env.items()}
