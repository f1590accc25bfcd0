"""Reading ``orch.yaml`` / ``orch.json`` into a ``Workflow``, with one line per problem.

One private cattrs converter with ``forbid_extra_keys`` does the structuring; errors are walked
(never string-matched) into ``file: $.json.path: what is wrong; did you mean ...``.
"""

from __future__ import annotations

import math
import os
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, get_args, get_origin

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
from cattrs.gen import make_dict_structure_fn

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
from orch.core.workflow.model import Workflow, find_workflow_file, pytest_directory
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

MAX_WORKERS = 1024
"""``execution.workers`` at most."""
MAX_RETRIES = 100
"""``retries`` at most."""
MAX_SECONDS = 30 * 24 * 3600
"""A timeout or heartbeat at most (30 days); ``0`` means none."""
MAX_NAME = 200
"""Characters in an application name."""


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

    def __init__(self, message: Message) -> None:
        super().__init__()
        self.message = message


class _Nested(Exception):
    """An error inside a named sub-block (the runner's settings), to extend the JSON path."""

    def __init__(self, key: str, error: Exception) -> None:
        super().__init__(key)
        self.key = key
        self.error = error


_CONVERTERS: weakref.WeakKeyDictionary[Registry, cattrs.Converter] = weakref.WeakKeyDictionary()
"""One converter per registry: making one generates code for every block (most of a load)."""


def _converter(registry: Registry) -> cattrs.Converter:
    if registry not in _CONVERTERS:
        _CONVERTERS[registry] = _make_converter(registry)
    return _CONVERTERS[registry]


def _make_converter(registry: Registry) -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)

    def structure_runner(value: Any, _type: type) -> _RunnerBlock:
        if isinstance(value, str):
            value = {value: None}
        if not isinstance(value, dict) or len(value) != 1:
            raise _Problem("expected one runner, e.g. {pytest: {args: [-q]}} or pytest")
        ((name, raw),) = value.items()
        if not registry.has("runner", name):  # listing them all would load every runner
            raise _Problem(partial(unknown, "runner", _shown(name), registry.names("runner")))
        cls = registry.get("runner", name)
        try:
            settings = converter.structure({} if raw is None else raw, cls.Settings)
        except Exception as exc:
            raise _Nested(name, exc) from exc
        return _RunnerBlock(name, settings)

    def structure_strict_int(value: Any, _type: type) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Problem(f"expected a whole number, got {describe(value)}")
        if value.bit_length() > 63:
            raise _Problem(f"expected a whole number below 2**63, got {describe(value)}")
        return value

    def structure_number(value: Any, _type: type) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Problem(f"expected a number of seconds, got {describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _Problem(f"expected a finite number of seconds (0: none), got {describe(value)}")
        if value > MAX_SECONDS:
            raise _Problem(f"at most {MAX_SECONDS:,} seconds (30 days), got {describe(value)}")
        return float(value)

    def structure_str(value: Any, _type: type) -> str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _Problem(f"expected a string, got {describe(value)}")
        return value if isinstance(value, str) else str(value)  # at most 100 digits when read

    def structure_bool(value: Any, _type: type) -> bool:
        if not isinstance(value, bool):
            raise _Problem(f"expected true or false, got {describe(value)}")
        return value

    def structure_list(value: Any, kind: Any) -> list[Any] | tuple[Any, ...]:
        (item, *_) = get_args(kind)
        if not isinstance(value, list):
            raise _Problem(f"expected a list{_of(item)}, got {_got(value)}")
        done, errors = [], []
        for index, raw in enumerate(value):
            try:
                done.append(converter.structure(raw, item))
            except Exception as exc:
                exc.__notes__ = [IterableValidationNote(f"@ index {index}", index, item)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"while structuring {kind}", errors, kind)
        return done if get_origin(kind) is list else tuple(done)

    def structure_dict(value: Any, kind: Any) -> dict[str, Any]:
        _key, item = get_args(kind)
        if not isinstance(value, dict):
            raise _Problem(f"expected a mapping of names{_to(item)}, got {describe(value)}")
        done, errors = {}, []
        for key, raw in value.items():
            try:
                done[key] = converter.structure(raw, item)
            except Exception as exc:
                exc.__notes__ = [IterableValidationNote(f"@ key {key}", key, item)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"while structuring {kind}", errors, kind)
        return done

    def structure_block(cls: type) -> Any:
        made: Any = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True)

        def structure(value: Any, kind: type) -> Any:
            if not isinstance(value, dict):
                raise _Problem(f"expected a mapping of settings, got {describe(value)}")
            return made(value, kind)

        return structure

    converter.register_structure_hook_factory(attrs.has, structure_block)
    converter.register_structure_hook_func(
        lambda kind: (
            get_origin(kind) is list or (get_origin(kind) is tuple and get_args(kind)[1:] == (...,))
        ),
        structure_list,
    )
    converter.register_structure_hook_func(lambda kind: get_origin(kind) is dict, structure_dict)
    converter.register_structure_hook(_RunnerBlock, structure_runner)
    converter.register_structure_hook(bool, structure_bool)
    converter.register_structure_hook(int, structure_strict_int)
    converter.register_structure_hook(float, structure_number)
    converter.register_structure_hook(str, structure_str)
    return converter


_KINDS = {str: "strings", int: "whole numbers", float: "numbers"}


def _of(item: Any) -> str:
    if item in _KINDS:
        return f" of {_KINDS[item]}"
    return " of mappings" if attrs.has(item) else ""


def _to(item: Any) -> str:
    return " to strings" if item is str else ""


def _got(value: Any) -> str:
    """What a wrong value is, in words; a string where a list belongs shows how to write one."""
    if isinstance(value, str) and len(value) <= 60:
        return f"the string {describe(value)} (write [{describe(value)}] for a list of one)"
    return f"the string {describe(value)}" if isinstance(value, str) else describe(value)


def _shown(value: Any) -> str:
    """A name cut short enough to quote in a message (``unknown`` adds the quotes)."""
    if isinstance(value, str):
        return value if len(value) <= 60 else f"{value[:57]}..."
    return describe(value)


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
        spec = _converter(registry).structure(data, _WorkflowSpec)
    except Exception as exc:
        raise ConfigError(_lines(path.name, _explain(exc, "$"))) from None
    return _to_workflow(spec, path)


def _lines(name: str, problems: Iterable[tuple[str, Message]]) -> str:
    """One line per problem, at most ``MAX_PROBLEMS`` of them, then a line counting the rest."""
    return problem_lines(name, (located(f"{name}: {where}", what) for where, what in problems))


def _explain(exc: BaseException, path: str) -> Iterator[tuple[str, Message]]:
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
        for key in sorted(exc.extra_fields, key=str):
            yield _join(path, key), partial(unknown, "key", key, known, "valid", named=False)
    elif isinstance(exc, _Nested):
        yield from _explain(exc.error, _join(path, exc.key))
    elif isinstance(exc, _Problem):
        yield path, exc.message
    elif isinstance(exc, KeyError):
        yield path, "required key is missing"
    else:
        yield path, f"invalid value ({type(exc).__name__}: {describe(str(exc), 120)})"


_join = join_path


def _select_problems(select: _SelectSpec, where: str) -> list[tuple[str, Message]]:
    problems: list[tuple[str, Message]] = []
    if select.strategy not in STRATEGIES:
        wrong = partial(unknown, "strategy", _shown(select.strategy), STRATEGIES)
        problems.append((f"{where}.strategy", wrong))
    for index, name in enumerate(select.strategies or ()):
        if name not in ANALYSES:
            wrong = partial(unknown, "analysis", _shown(name), ANALYSES)
            problems.append((f"{where}.strategies[{index}]", wrong))
    for index, rule in enumerate(select.mapping_rules):
        problem = compile_problem(rule.source, "re")
        if problem:
            problems.append((f"{where}.mapping_rules[{index}].source", problem))
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
                f"{describe(match.group(0))} is not ${{NAME}} or ${{NAME:-default}} "
                "(write $$ for a $)"
            )
            return ""
        found = environ.get(name, "")
        if found:
            return found
        if dash:
            return default
        if name in environ:
            return ""
        shown = _shown(name)
        problems.append(
            f"${{{shown}}} is not set in orch's environment; "
            f"set it, or give a default: ${{{shown}:-value}}"
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


def _env_problems(env: dict[str, str], where: str) -> Iterator[tuple[str, str]]:
    """An ``env`` key is what ``execve`` accepts: not empty, no ``=``, no NUL."""
    for key in env:
        if not key or "=" in key or "\0" in key:
            yield _join(where, key), "expected a variable name such as DB_HOST (no '=', not empty)"


def _directory(root: Path, raw: str, parents: dict[str, str]) -> tuple[Path, str]:
    """``raw`` resolved under ``root``, and why it cannot be used (empty when it can).
    ``parents`` caches resolved parent directories: 20,000 applications under one ``apps/``
    resolve it once, not once each."""
    shown = describe(raw)
    if _too_long(raw):
        return root, f"path {shown} has a name longer than the system allows"
    try:
        resolved = _resolve(str(root), raw, parents)
        if not os.path.isdir(resolved):
            return Path(resolved), f"directory {shown} does not exist in {root}"
    except (OSError, ValueError) as exc:
        return root, f"cannot use path {shown}: {getattr(exc, 'strerror', None) or exc}"
    return Path(resolved), ""


def _too_long(raw: str) -> bool:
    return len(raw) > 4096 or any(len(os.fsencode(part)) > 255 for part in raw.split("/"))


def _resolve(root: str, raw: str, parents: dict[str, str]) -> str:
    """``os.path.realpath(root/raw)``, resolving each parent directory once."""
    parent, name = os.path.split(raw.rstrip("/"))
    if name in ("", ".", "..") or ".." in parent.split("/") or os.path.isabs(raw):
        return os.path.realpath(os.path.join(root, raw))
    if parent not in parents:
        parents[parent] = os.path.realpath(os.path.join(root, parent))
    candidate = os.path.join(parents[parent], name)
    return os.path.realpath(candidate) if os.path.islink(candidate) else candidate


def _execution_problems(execution: _ExecutionSpec) -> list[tuple[str, str]]:
    problems = _passenv_problems(execution.passenv, "$.execution.passenv")
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


def _to_workflow(spec: _WorkflowSpec, path: Path) -> Workflow:
    root = path.parent
    execution = spec.execution
    problems = _execution_problems(execution)
    apps = []
    parents: dict[str, str] = {}
    for name, app in spec.applications.items():
        where = _join("$.applications", name)
        wrong_name = _name_problem(name)
        if wrong_name:
            problems.append((where, wrong_name))
        app_root, wrong_path = _directory(root, app.path, parents)
        if wrong_path:
            problems.append((f"{where}.path", wrong_path))
        if app.timeout is not None and app.timeout < 0:
            problems.append((f"{where}.timeout", "must be a number of seconds (0: none)"))
        if app.retries is not None and not 0 <= app.retries <= MAX_RETRIES:
            problems.append((f"{where}.retries", f"must be between 0 and {MAX_RETRIES}"))
        problems.extend(_select_problems(app.select, f"{where}.select"))
        problems.extend(_passenv_problems(app.passenv, f"{where}.passenv"))
        problems.extend(_env_problems(app.env, f"{where}.env"))
        env = {}
        for key, raw in app.env.items():
            env[key], wrong = expand(raw, os.environ)
            problems.extend((_join(f"{where}.env", key), problem) for problem in wrong)
        if problems:
            continue  # the Application is never used: save building it
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
    if not spec.applications:
        problems.append(("$.applications", "no applications defined"))
    if problems:
        raise ConfigError(_lines(path.name, problems))
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
        allure = _file(root, spec.allure_categories, f"{path.name}: $.triage.allure_categories")
        rules.extend(rules_from_allure(allure))
    if spec.codeowners is not None:
        owners_file = _file(root, spec.codeowners, f"{path.name}: $.triage.codeowners")
        owners = read_codeowners(owners_file, spec.codeowners)
    else:
        owners = load_codeowners(root)
    routing = Routing(dict(spec.routing), tuple(owners), spec.fallback_owner)
    return TriageSettings(tuple(rules), routing)


def _file(root: Path, raw: str, where: str) -> Path:
    """The file ``raw`` names under ``root``; a ``ConfigError`` starting with ``where`` if none."""
    shown = describe(raw)
    if _too_long(raw):
        raise ConfigError(f"{where}: path {shown} has a name longer than the system allows")
    try:
        found = root / raw
        if found.is_file():
            return found
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{where}: cannot use path {shown}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    raise ConfigError(f"{where}: file {shown} does not exist in {root}")
