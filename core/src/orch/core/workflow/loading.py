"""Reading ``orch.yaml`` / ``orch.json`` into a ``Workflow``, with one line per problem.

The schema (``orch.core.workflow.schema``) structures the document straight into the ports
values; what it cannot say is checked here, once the whole file has the right shape: ranges,
application names, directories on disk, ``${NAME}`` references, and the triage block's files.
Every problem is ``file: $.json.path: what is wrong; did you mean ...``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from attrs import evolve

from orch.core.plugins import Registry, unknown
from orch.core.shared.documents import (
    Message,
    describe,
    join_path,
    load_document,
    located,
    problem_lines,
)
from orch.core.shared.patterns import compile_problem
from orch.core.triage.analysis import TriageSettings
from orch.core.triage.categories import rules_from_allure, rules_from_config
from orch.core.triage.routing import Routing, load_codeowners, read_codeowners
from orch.core.workflow.environment import env_problems, expand, passenv_problems
from orch.core.workflow.model import Workflow, find_workflow_file, pytest_directory
from orch.core.workflow.paths import directory, existing_file
from orch.core.workflow.schema import schema_of
from orch.core.workflow.structuring import explain, shown
from orch.ports import Application, ConfigError, Execution, SelectSettings

STRATEGIES = ("change-based", "all")
ANALYSES = ("mapping", "imports", "coverage", "history")

MAX_WORKERS = 1024
"""``execution.workers`` at most."""
MAX_RETRIES = 100
"""``retries`` at most."""
MAX_NAME = 200
"""Characters in an application name."""


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
    execution: Execution | None = None,
    passenv: tuple[str, ...] = (),
    triage: dict[str, Any] | None = None,
) -> Workflow:
    """The structured file checked, and its applications placed: each path resolved under the
    file's directory (``written`` is the file's applications block, for the paths as written),
    ``env`` expanded, ``execution.passenv`` before the application's own."""
    root = path.parent
    execution = execution or Execution()
    problems = _execution_problems(execution, passenv)
    apps = []
    parents: dict[str, str] = {}
    for name, app in applications.items():
        where = join_path("$.applications", name)
        raw = written[name]["path"]
        app_root, wrong_path = directory(root, raw if isinstance(raw, str) else str(raw), parents)
        problems.extend(_application_problems(app, where, wrong_path))
        env = {}
        for key, value in app.env.items():
            env[key], wrong = expand(value, os.environ)
            problems.extend((join_path(f"{where}.env", key), problem) for problem in wrong)
        if problems:
            continue  # the Application is never used: save placing it
        merged = tuple(dict.fromkeys([*passenv, *app.passenv]))
        apps.append(evolve(app, path=app_root, env=env, passenv=merged))
    if not applications:
        problems.append(("$.applications", "no applications defined"))
    if problems:
        raise ConfigError(_lines(path.name, problems))
    return Workflow(
        applications=tuple(apps),
        execution=execution,
        root=root,
        source=str(path),
        triage=_triage_settings(path, triage or {}),
    )


def _application_problems(
    app: Application, where: str, wrong_path: str
) -> list[tuple[str, Message]]:
    """What is wrong with one application besides its ``env`` references."""
    problems: list[tuple[str, Message]] = []
    wrong_name = _name_problem(app.name)
    if wrong_name:
        problems.append((where, wrong_name))
    if wrong_path:
        problems.append((f"{where}.path", wrong_path))
    if app.timeout is not None and app.timeout < 0:
        problems.append((f"{where}.timeout", "must be a number of seconds (0: none)"))
    if app.retries is not None and not 0 <= app.retries <= MAX_RETRIES:
        problems.append((f"{where}.retries", f"must be between 0 and {MAX_RETRIES}"))
    problems.extend(_select_problems(app.select, f"{where}.select"))
    problems.extend(passenv_problems(app.passenv, f"{where}.passenv"))
    problems.extend(env_problems(app.env, f"{where}.env"))
    return problems


def _name_problem(name: str) -> str:
    """What is wrong with an application name, if anything: it is half of every test id."""
    if not name.strip():
        return "an application name must not be empty"
    if "::" in name:
        return "an application name must not contain '::' (it separates app and test in ids)"
    if len(name) > MAX_NAME:
        return f"an application name has at most {MAX_NAME} characters, this one {len(name):,}"
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        return "an application name must not contain control characters"
    return ""


def _select_problems(select: SelectSettings, where: str) -> list[tuple[str, Message]]:
    problems: list[tuple[str, Message]] = []
    if select.strategy not in STRATEGIES:
        wrong = partial(unknown, "strategy", shown(select.strategy), STRATEGIES)
        problems.append((f"{where}.strategy", wrong))
    for index, name in enumerate(select.strategies):
        if name not in ANALYSES:
            wrong = partial(unknown, "analysis", shown(name), ANALYSES)
            problems.append((f"{where}.strategies[{index}]", wrong))
    for index, rule in enumerate(select.mapping_rules):
        problem = compile_problem(rule.source, "re")
        if problem:
            problems.append((f"{where}.mapping_rules[{index}].source", problem))
    return problems


def _execution_problems(
    execution: Execution, passenv: tuple[str, ...]
) -> list[tuple[str, Message]]:
    problems: list[tuple[str, Message]] = []
    problems.extend(passenv_problems(passenv, "$.execution.passenv"))
    if not 1 <= execution.workers <= MAX_WORKERS:
        problems.append(("$.execution.workers", f"must be between 1 and {MAX_WORKERS}"))
    if not 0 <= execution.retries <= MAX_RETRIES:
        problems.append(("$.execution.retries", f"must be between 0 and {MAX_RETRIES}"))
    for key in ("timeout", "shard_timeout", "heartbeat"):
        value = getattr(execution, key)
        if value is not None and value < 0:
            problems.append((f"$.execution.{key}", "must be a number of seconds (0: none)"))
    for key in ("head", "tail"):
        if getattr(execution.output, key) < 0:
            problems.append((f"$.execution.output.{key}", "must not be negative"))
    return problems


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
