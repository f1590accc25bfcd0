"""Reading ``orch.yaml`` / ``orch.json`` into a ``Workflow``, with one line per problem.

The schema (``orch.core.workflow.schema``) structures the document straight into the ports
values; what it cannot say is checked here, once the whole file has the right shape: ranges,
application names, directories on disk, ``${NAME}`` references, and the triage block's files.
Every problem is ``file: $.json.path: what is wrong; did you mean ...``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from attrs import evolve

from orch.core.plugins import Registry
from orch.core.shared.condition_spec import read_conditions
from orch.core.shared.documents import (
    Message,
    describe,
    join_path,
    load_document,
    located,
    problem_lines,
    split_problem,
)
from orch.core.workflow.category_rules import rules_from_allure, rules_from_config
from orch.core.workflow.checks import application_problems, execution_problems
from orch.core.workflow.codeowners import load_codeowners, read_codeowners
from orch.core.workflow.datasets import data_use_problems, read_datasets
from orch.core.workflow.environments import Placing, environment_problems
from orch.core.workflow.flows import read_flows
from orch.core.workflow.model import Workflow, find_workflow_file, pytest_directory
from orch.core.workflow.paths import directory, existing_file
from orch.core.workflow.phases import Declared, read_phases
from orch.core.workflow.schema import schema_of
from orch.core.workflow.structuring import explain
from orch.ports import Application, ConfigError, EnvironmentSpec, Execution
from orch.ports.triage import Routing, TriageSettings


def workflow_for(directory: Path, workflow_file: Path | None, registry: Registry) -> Workflow:
    """The workflow of ``orch run/select DIR``: the given file, DIR's orch.yaml, or DIR as one
    pytest application when it has no workflow file."""
    if workflow_file is not None:
        return load_workflow(workflow_file, registry)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory")
    found = find_workflow_file(directory)
    if found is not None:
        return load_workflow(found, registry)
    return pytest_directory(directory)


def load_workflow(path: Path, registry: Registry) -> Workflow:
    """Read and check a workflow file; raise ``ConfigError`` listing every problem, one per line
    (the first ``MAX_PROBLEMS``, then how many more)."""
    path = path.resolve()
    data = load_document(path, path.name, "workflow file")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path.name}: $: expected a mapping with 'applications', got {describe(data)}"
        )
    try:
        document = schema_of(registry).structure(data)
    except Exception as exc:
        raise ConfigError(_lines(path.name, explain(exc, "$"))) from None
    return _workflow(path, data["applications"], **document)


def _lines(name: str, problems: Iterable[tuple[str, Message]]) -> str:
    """One line per problem, at most ``MAX_PROBLEMS`` of them, then a line counting the rest."""
    return problem_lines(name, (located(f"{name}: {where}", what) for where, what in problems))


def _workflow(
    path: Path,
    written: dict[str, Any],
    applications: dict[str, Application],
    environments: dict[str, EnvironmentSpec] | None = None,
    execution: Execution | None = None,
    passenv: tuple[str, ...] = (),
    triage: dict[str, Any] | None = None,
    test_data: dict[str, Any] | None = None,
    cross_app_tests: dict[str, Any] | None = None,
    phases: dict[str, Any] | None = None,
) -> Workflow:
    """The structured file checked, and its applications placed: each path resolved under the
    file's directory (``written`` is the file's applications block, for the paths as written),
    ``env`` expanded, ``execution.passenv`` before the application's own; its environments
    placed the same way (``build`` resolved, ``env`` checked as templates and expanded)."""
    root = path.parent
    execution = execution or Execution()
    problems = execution_problems(execution, passenv)
    placing = Placing(root, os.environ)
    placed, environment_lines = {}, []
    for name, spec in (environments or {}).items():
        placed[name], found = placing.environment(spec, join_path("$.environments", name))
        environment_lines.extend(found)
    datasets, dataset_lines = read_datasets(test_data or {})
    apps = []
    parents: dict[str, str] = {}
    for name, app in applications.items():
        where = join_path("$.applications", name)
        raw = written[name]["path"]
        app_root, wrong_path = directory(root, raw if isinstance(raw, str) else str(raw), parents)
        problems.extend(application_problems(app, where, wrong_path))
        env = placing.env(app.env, f"{where}.env", problems, template=bool(app.environment))
        problems.extend(environment_problems(app.environment, env, where, placed))
        problems.extend(data_use_problems(app, where, datasets, test_data or {}, placed))
        health, wrong = read_conditions(written[name].get("health", []), f"{where}.health")
        problems.extend(split_problem(line) for line in wrong)
        if problems:
            continue  # the Application is never used: save placing it
        merged = tuple(dict.fromkeys([*passenv, *app.passenv]))
        apps.append(evolve(app, path=app_root, env=env, passenv=merged, health=health))
    if not applications:
        problems.append(("$.applications", "no applications defined"))
    flows, flow_lines = read_flows(cross_app_tests or {}, list(applications))
    declared = Declared(list(applications), [flow.name for flow in flows], list(placed))
    phase_specs, phase_lines = read_phases(phases or {}, declared)
    problems.extend(environment_lines)
    problems.extend(dataset_lines)
    problems.extend(flow_lines)
    problems.extend(phase_lines)
    if problems:
        raise ConfigError(_lines(path.name, problems))
    return Workflow(
        applications=tuple(apps),
        environments=tuple(placed.values()),
        test_data=tuple(datasets.values()),
        cross_app_tests=tuple(flows),
        phases=tuple(phase_specs),
        execution=execution,
        root=root,
        source=str(path),
        triage=_triage_settings(path, triage or {}),
    )


def _triage_settings(path: Path, block: dict[str, Any]) -> TriageSettings:
    """The ``triage`` block: user categories (then Allure's), routing, CODEOWNERS, fallback."""
    root = path.parent
    rules = rules_from_config(block.get("categories", []), f"{path.name}: $.triage.categories")
    allure_categories = block.get("allure_categories")
    if allure_categories is not None:
        allure = existing_file(root, allure_categories, f"{path.name}: $.triage.allure_categories")
        rules.extend(rules_from_allure(allure))
    codeowners = block.get("codeowners")
    if codeowners is not None:
        owners_file = existing_file(root, codeowners, f"{path.name}: $.triage.codeowners")
        owners = read_codeowners(owners_file, codeowners)
    else:
        owners = load_codeowners(root)
    routing = Routing(
        dict(block.get("routing", {})), tuple(owners), block.get("fallback_owner", "")
    )
    return TriageSettings(tuple(rules), routing)
