"""What the workflow file's schema cannot say: ranges, application names, known strategies.

They run once the whole file has the right shape, so a file with a wrong type anywhere reports
only those first; each problem is a (JSON path, message) pair.
"""

from __future__ import annotations

from functools import partial

from orch.core.shared.documents import Message, shown
from orch.core.shared.patterns import compile_problem
from orch.core.shared.spelling import unknown
from orch.core.workflow.env_vars import env_problems, passenv_problems
from orch.ports import Application, Execution, SelectSettings

STRATEGIES = ("change-based", "all")
ANALYSES = ("mapping", "imports", "coverage", "history")

MAX_WORKERS = 1024
"""``execution.workers`` at most."""
MAX_RETRIES = 100
"""``retries`` at most."""
MAX_NAME = 200
"""Characters in an application name."""


def application_problems(
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


def execution_problems(execution: Execution, passenv: tuple[str, ...]) -> list[tuple[str, Message]]:
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
