"""Reading ``orch.yaml`` / ``orch.json`` into a ``Workflow``, with one line per problem.

One private cattrs converter with ``forbid_extra_keys`` does the structuring; errors are walked
(never string-matched) into ``file: $.json.path: what is wrong; did you mean ...``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
from attrs import frozen
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from orch.core.categories import rules_from_allure, rules_from_config
from orch.core.plugins import Registry, unknown
from orch.core.routing import Routing, load_codeowners, parse_codeowners
from orch.core.triage import TriageSettings
from orch.core.workflow import Workflow, find_workflow_file, pytest_directory
from orch.ports import (
    Application,
    ConfigError,
    Execution,
    MappingRule,
    OutputLimits,
    SelectSettings,
)
from orch.ports.model import DEFAULT_HEARTBEAT, DEFAULT_TIMEOUT


@frozen
class _MappingRuleSpec:
    source: str
    tests: str


@frozen
class _AlwaysRunSpec:
    markers: list[str] = []
    paths: list[str] = []


@frozen
class _SelectSpec:
    strategy: str = "change-based"
    strategies: list[str] | None = None
    mapping_rules: list[_MappingRuleSpec] = []
    always_run: _AlwaysRunSpec = _AlwaysRunSpec()
    ignore: list[str] = []
    critical: list[str] = ["critical"]


STRATEGIES = ("change-based", "all")
ANALYSES = ("mapping", "imports", "coverage", "history")


@frozen
class _AppSpec:
    path: str
    runner: _RunnerBlock
    priority: int = 0
    env: dict[str, str] = {}
    passenv: list[str] = []
    paths: list[str] = []
    timeout: float | None = None
    retries: int | None = None
    select: _SelectSpec = _SelectSpec()
    retry_timeouts: bool | None = None


@frozen
class _ExecutionSpec:
    workers: int = 2
    timeout: float | None = DEFAULT_TIMEOUT
    shard_timeout: float | None = None
    retries: int = 0
    retry_timeouts: bool = True
    heartbeat: float = DEFAULT_HEARTBEAT
    passenv: list[str] = []
    output: OutputLimits = OutputLimits()


@frozen
class _TriageSpec:
    categories: list[Any] = []
    allure_categories: str | None = None
    routing: dict[str, str] = {}
    fallback_owner: str = ""
    codeowners: str | None = None


@frozen
class _WorkflowSpec:
    applications: dict[str, _AppSpec]
    execution: _ExecutionSpec = _ExecutionSpec()
    triage: _TriageSpec = _TriageSpec()


@frozen
class _RunnerBlock:
    """``runner: {pytest: {...}}`` or ``runner: pytest``, resolved against the registry."""

    name: str
    settings: Any


class _Problem(Exception):
    """A problem found by a structure hook, reported at the path where it was found."""


class _Nested(Exception):
    """An error inside a named sub-block (the runner's settings), to extend the JSON path."""

    def __init__(self, key: str, error: Exception) -> None:
        super().__init__(key)
        self.key = key
        self.error = error


def _make_converter(registry: Registry) -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)

    def structure_runner(value: Any, _type: type) -> _RunnerBlock:
        if isinstance(value, str):
            value = {value: None}
        if not isinstance(value, dict) or len(value) != 1:
            raise _Problem("expected one runner, e.g. {pytest: {args: [-q]}} or pytest")
        ((name, raw),) = value.items()
        available = registry.names("runner")
        if name not in available:
            raise _Problem(unknown("runner", name, available))
        cls = registry.get("runner", name)
        try:
            settings = converter.structure(raw or {}, cls.Settings)
        except Exception as exc:
            raise _Nested(name, exc) from exc
        return _RunnerBlock(name, settings)

    def structure_strict_int(value: Any, _type: type) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Problem(f"expected a whole number, got {value!r}")
        return value

    def structure_number(value: Any, _type: type) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Problem(f"expected a number of seconds, got {value!r}")
        return float(value)

    def structure_str(value: Any, _type: type) -> str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _Problem(f"expected a string, got {value!r}")
        return str(value)

    def structure_bool(value: Any, _type: type) -> bool:
        if not isinstance(value, bool):
            raise _Problem(f"expected true or false, got {value!r}")
        return value

    converter.register_structure_hook(_RunnerBlock, structure_runner)
    converter.register_structure_hook(bool, structure_bool)
    converter.register_structure_hook(int, structure_strict_int)
    converter.register_structure_hook(float, structure_number)
    converter.register_structure_hook(str, structure_str)
    return converter


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
    """Read and check a workflow file; raise ``ConfigError`` listing every problem, one per line."""
    path = path.resolve()
    data = _read(path)
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path.name}: $: expected a mapping with 'applications', got {data!r:.60}"
        )
    converter = _make_converter(registry)
    try:
        spec = converter.structure(data, _WorkflowSpec)
    except Exception as exc:
        raise ConfigError(
            "\n".join(f"{path.name}: {where}: {what}" for where, what in _explain(exc, "$"))
        ) from None
    return _to_workflow(spec, path)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: workflow file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read workflow file: {exc}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path.name}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}"
            ) from None
    import yaml  # only workflow files need it; imported here to keep every command quick to start

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path.name}{where}: malformed YAML: {problem}") from None


def _explain(exc: BaseException, path: str) -> Iterator[tuple[str, str]]:
    """Walk a cattrs error tree into (JSON path, message) pairs."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                yield from _explain(sub, _join(path, note.name))
            elif isinstance(note, IterableValidationNote):
                yield from _explain(sub, _join(path, note.index))
            else:
                yield from _explain(sub, path)
        for sub in without:
            yield from _explain(sub, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = [field.name for field in attrs.fields(exc.cl)]
        for key in sorted(exc.extra_fields):
            yield _join(path, key), unknown("key", key, known, "valid", named=False)
    elif isinstance(exc, _Nested):
        yield from _explain(exc.error, _join(path, exc.key))
    elif isinstance(exc, _Problem):
        yield path, str(exc)
    elif isinstance(exc, KeyError):
        yield path, "required key is missing"
    elif isinstance(exc, TypeError | ValueError | AttributeError):
        yield path, f"invalid value ({exc})"
    else:
        yield path, f"{type(exc).__name__}: {exc}"


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _join(path: str, key: object) -> str:
    if isinstance(key, str) and _PLAIN_KEY.match(key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def _select_problems(select: _SelectSpec, where: str) -> list[tuple[str, str]]:
    problems = []
    if select.strategy not in STRATEGIES:
        problems.append((f"{where}.strategy", unknown("strategy", select.strategy, STRATEGIES)))
    for index, name in enumerate(select.strategies or ()):
        if name not in ANALYSES:
            problems.append((f"{where}.strategies[{index}]", unknown("analysis", name, ANALYSES)))
    for index, rule in enumerate(select.mapping_rules):
        try:
            re.compile(rule.source)
        except re.error as exc:
            problems.append(
                (f"{where}.mapping_rules[{index}].source", f"not a valid regular expression: {exc}")
            )
    return problems


def _select_settings(select: _SelectSpec) -> SelectSettings:
    return SelectSettings(
        strategy=select.strategy,
        strategies=tuple(select.strategies) if select.strategies is not None else ANALYSES,
        mapping_rules=tuple(MappingRule(r.source, r.tests) for r in select.mapping_rules),
        always_run_markers=tuple(select.always_run.markers),
        always_run_paths=tuple(select.always_run.paths),
        ignore=tuple(select.ignore),
        critical_markers=tuple(select.critical),
    )


_VARIABLE = re.compile(r"\$(?:\$|\{([^}]*)\})")
"""``$$`` (a literal ``$``), ``${NAME}`` or ``${NAME:-default}`` in an ``env`` value."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def expand(value: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """``value`` with ``${NAME}`` and ``${NAME:-default}`` replaced from ``environ`` (orch's
    environment), and the problems found; they name the variable, never a value: what the
    environment holds may be a secret."""
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "$"
        name, dash, default = match.group(1).partition(":-")
        if not _NAME.match(name):
            problems.append(
                f"'{match.group(0)}' is not ${{NAME}} or ${{NAME:-default}} (write $$ for a $)"
            )
            return ""
        found = environ.get(name, "")
        if found:
            return found
        if dash:
            return default
        if name in environ:
            return ""
        problems.append(
            f"${{{name}}} is not set in orch's environment; "
            f"set it, or give a default: ${{{name}:-value}}"
        )
        return ""

    return _VARIABLE.sub(replace, value), problems


def _passenv_problems(patterns: list[str], where: str) -> list[tuple[str, str]]:
    """A ``passenv`` entry is a variable name or a glob of names, never ``NAME=value``."""
    return [
        (f"{where}[{index}]", "expected a variable name or glob such as CI_* (set values in env)")
        for index, pattern in enumerate(patterns)
        if not pattern or "=" in pattern
    ]


def _to_workflow(spec: _WorkflowSpec, path: Path) -> Workflow:
    root = path.parent
    problems = []
    execution = spec.execution
    problems.extend(_passenv_problems(execution.passenv, "$.execution.passenv"))
    if execution.workers < 1:
        problems.append(("$.execution.workers", "must be at least 1"))
    if execution.retries < 0:
        problems.append(("$.execution.retries", "must not be negative"))
    for key in ("timeout", "shard_timeout", "heartbeat"):
        value = getattr(execution, key)
        if value is not None and value < 0:
            problems.append((f"$.execution.{key}", "must be a number of seconds (0: none)"))
    for key in ("head", "tail"):
        if getattr(execution.output, key) < 0:
            problems.append((f"$.execution.output.{key}", "must not be negative"))
    apps = []
    for name, app in spec.applications.items():
        where = _join("$.applications", name)
        app_root = (root / app.path).resolve()
        if not app_root.is_dir():
            problems.append((f"{where}.path", f"directory '{app.path}' does not exist in {root}"))
        if app.timeout is not None and app.timeout < 0:
            problems.append((f"{where}.timeout", "must be a number of seconds (0: none)"))
        if app.retries is not None and app.retries < 0:
            problems.append((f"{where}.retries", "must not be negative"))
        problems.extend(_select_problems(app.select, f"{where}.select"))
        problems.extend(_passenv_problems(app.passenv, f"{where}.passenv"))
        env = {}
        for key, raw in app.env.items():
            env[key], wrong = expand(raw, os.environ)
            problems.extend((_join(f"{where}.env", key), problem) for problem in wrong)
        apps.append(
            Application(
                name=name,
                path=app_root,
                runner=app.runner.name,
                settings=app.runner.settings,
                priority=app.priority,
                env=env,
                passenv=tuple(dict.fromkeys([*execution.passenv, *app.passenv])),
                timeout=app.timeout,
                retries=app.retries,
                retry_timeouts=app.retry_timeouts,
                paths=tuple(app.paths),
                select=_select_settings(app.select),
            )
        )
    if not apps:
        problems.append(("$.applications", "no applications defined"))
    if problems:
        raise ConfigError("\n".join(f"{path.name}: {where}: {what}" for where, what in problems))
    return Workflow(
        applications=tuple(apps),
        execution=Execution(
            workers=execution.workers,
            timeout=execution.timeout,
            shard_timeout=execution.shard_timeout,
            retries=execution.retries,
            retry_timeouts=execution.retry_timeouts,
            heartbeat=execution.heartbeat,
            output=execution.output,
        ),
        root=root,
        source=str(path),
        triage=_triage_settings(spec.triage, path),
    )


def _triage_settings(spec: _TriageSpec, path: Path) -> TriageSettings:
    """The ``triage`` block: user categories (then Allure's), routing, CODEOWNERS, fallback."""
    root = path.parent
    rules = rules_from_config(spec.categories, f"{path.name}: $.triage.categories")
    if spec.allure_categories is not None:
        allure = root / spec.allure_categories
        if not allure.is_file():
            raise ConfigError(
                f"{path.name}: $.triage.allure_categories: file '{spec.allure_categories}' "
                f"does not exist in {root}"
            )
        rules.extend(rules_from_allure(allure))
    if spec.codeowners is not None:
        owners_file = root / spec.codeowners
        if not owners_file.is_file():
            raise ConfigError(
                f"{path.name}: $.triage.codeowners: file '{spec.codeowners}' does not exist"
            )
        owners = parse_codeowners(owners_file.read_text(encoding="utf-8"), spec.codeowners)
    else:
        owners = load_codeowners(root)
    routing = Routing(dict(spec.routing), tuple(owners), spec.fallback_owner)
    return TriageSettings(tuple(rules), routing)
