"""The meaning of the file's ``phases:`` block (and of ``TestWorkflow.add_phase``): each phase
read into an ``orch.ports.phases.PhaseSpec`` over the names the workflow declares, each mistake
one line at its JSON path (``$.phases.integration.gate.min_pass_rate: ...``); phases that wait
for each other in a cycle are one line naming it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import frozen

from orch.core.shared.documents import describe, is_whole, join_path, shown, split_problem, within
from orch.core.shared.graphs import find_cycle
from orch.core.shared.spelling import unknown, unknown_keys
from orch.ports.phases import (
    CRITICALITY,
    MATRIX_ENVIRONMENT,
    ON_FAIL,
    STRATEGIES,
    Gate,
    PhaseSelect,
    PhaseSpec,
)

PHASE_KEYS = ("select", "depends_on", "strategy", "matrix", "gate", "criticality")
SELECT_KEYS = ("apps", "paths", "markers", "names", "flows")
GATE_KEYS = ("min_pass_rate", "no_new_failures", "critical", "max_duration", "on_fail")


@frozen
class Declared:
    """The names a phase may refer to: applications, flows, environments."""

    apps: Sequence[str]
    flows: Sequence[str] = ()
    environments: Sequence[str] = ()


def read_phases(
    written: Mapping[str, Any], declared: Declared
) -> tuple[list[PhaseSpec], list[tuple[str, str]]]:
    """Each phase of the block, and the problems of those that are wrong (with a cycle among
    their ``depends_on``)."""
    phases: list[PhaseSpec] = []
    lines: list[str] = []
    for name, given in written.items():
        phase, found = phase_from(str(name), given, join_path("$.phases", str(name)), declared)
        lines += found
        if phase is not None:
            phases.append(phase)
    if not lines:
        lines += order_problems(phases, "$.phases")
    return phases, [split_problem(line) for line in lines]


def order_problems(
    phases: Sequence[PhaseSpec], where: str, at: Callable[[str], str] | None = None
) -> list[str]:
    """Each ``depends_on`` names another phase, and they wait for each other in no cycle;
    ``at(name)`` is where phase ``name`` is (``where.name``)."""
    at = at or (lambda name: join_path(where, name))
    names = [phase.name for phase in phases]
    by_name = {phase.name: phase for phase in phases}
    problems = [
        f"{within(at(phase.name), 'depends_on')}: "
        + (
            "a phase cannot wait for itself"
            if other == phase.name
            else unknown("phase", other, [name for name in names if name != phase.name])
        )
        for phase in phases
        for other in phase.depends_on
        if other not in by_name or other == phase.name
    ]
    if not problems:
        cycle = find_cycle(names, lambda name: by_name[name].depends_on)
        if cycle:
            problems.append(
                f"{where}: phases wait for each other in a cycle ({' -> '.join(cycle)}); "
                "remove one of these depends_on"
            )
    return problems


def phase_from(
    name: str, given: object, where: str, declared: Declared
) -> tuple[PhaseSpec | None, list[str]]:
    """The phase ``name`` described by ``given``, or None and its problems."""
    if not isinstance(given, Mapping):
        return None, [
            f"{where}: must be a mapping with select, strategy, gate...; got {describe(given)}"
        ]
    problems = unknown_keys(given, PHASE_KEYS, where)
    select = _select(given.get("select", {}), within(where, "select"), declared, problems)
    depends = _names(given.get("depends_on", []), within(where, "depends_on"), "phase", problems)
    strategy = given.get("strategy", "parallel")
    if strategy not in STRATEGIES:
        problems.append(
            f"{within(where, 'strategy')}: {unknown('strategy', shown(strategy), STRATEGIES)}"
        )
    matrix = _matrix(given.get("matrix"), strategy, within(where, "matrix"), declared, problems)
    gate = _gate(given.get("gate", {}), within(where, "gate"), problems)
    criticality = read_criticality(
        given.get("criticality", 0), within(where, "criticality"), problems
    )
    if problems:
        return None, problems
    phase = PhaseSpec(name, select, tuple(depends), strategy, matrix, gate, criticality)
    return phase, []


def read_criticality(given: object, where: str, problems: list[str]) -> int:
    """A criticality: one of ``CRITICALITY``'s names, or a whole number 0-100."""
    if isinstance(given, str) and given in CRITICALITY:
        return CRITICALITY[given]
    if is_whole(given) and 0 <= given <= 100:  # type: ignore[operator]
        return given  # type: ignore[return-value]
    names = ", ".join(CRITICALITY)
    problems.append(f"{where}: must be one of {names} or a number 0-100; got {describe(given)}")
    return 0


def _select(given: object, where: str, declared: Declared, problems: list[str]) -> PhaseSelect:
    if not isinstance(given, Mapping):
        problems.append(
            f"{where}: must be a mapping of {', '.join(SELECT_KEYS)}; got {describe(given)}"
        )
        return PhaseSelect()
    problems += unknown_keys(given, SELECT_KEYS, where)
    lists = {
        key: _names(given.get(key, []), within(where, key), key, problems) for key in SELECT_KEYS
    }
    for key, known, kind in (
        ("apps", declared.apps, "application"),
        ("flows", declared.flows, "flow"),
    ):
        for index, item in enumerate(lists[key]):
            if item not in known:
                problems.append(
                    f"{within(where, key)}[{index}]: {unknown(kind, item, list(known))}"
                )
    return PhaseSelect(**{key: tuple(items) for key, items in lists.items()})


def _names(given: object, where: str, kind: str, problems: list[str]) -> list[str]:
    """A list of non-empty strings (one string is a list of one)."""
    items = [given] if isinstance(given, str) else given
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        problems.append(f"{where}: must be a list of {kind} names; got {describe(given)}")
        return []
    return list(items)


def _matrix(
    given: object, strategy: object, where: str, declared: Declared, problems: list[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``matrix``: each parameter's values, given with ``strategy: matrix`` and only then."""
    if given is None:
        if strategy == "matrix":
            problems.append(
                f"{where}: strategy matrix needs its parameters (matrix: {{db: [14, 15]}})"
            )
        return ()
    if strategy != "matrix":
        problems.append(f"{where}: only a phase with strategy: matrix takes a matrix")
        return ()
    if not isinstance(given, Mapping) or not given:
        problems.append(f"{where}: must map each parameter to its values; got {describe(given)}")
        return ()
    matrix = []
    for name, values in given.items():
        at = join_path(where, str(name))
        if not isinstance(name, str) or not name.replace("_", "").isalnum():
            problems.append(
                f"{at}: a parameter's name is letters, digits and _; got {describe(name)}"
            )
        if not isinstance(values, list) or not values or not all(_scalar(v) for v in values):
            problems.append(
                f"{at}: must be a list of values (strings or numbers); got {describe(values)}"
            )
            continue
        texts = tuple(str(value) for value in values)
        if len(set(texts)) != len(texts):
            problems.append(f"{at}: a value is listed twice; list each once")
        if name == MATRIX_ENVIRONMENT:
            for index, text in enumerate(texts):
                known = list(declared.environments)
                if text not in known:
                    problems.append(f"{at}[{index}]: {unknown('environment', text, known)}")
        matrix.append((str(name), texts))
    return tuple(matrix)


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool) and str(value) != ""


def _gate(given: object, where: str, problems: list[str]) -> Gate:
    if not isinstance(given, Mapping):
        problems.append(
            f"{where}: must be a mapping of {', '.join(GATE_KEYS)}; got {describe(given)}"
        )
        return Gate()
    problems += unknown_keys(given, GATE_KEYS, where)
    rate, limit = given.get("min_pass_rate"), given.get("max_duration")
    if rate is not None and (not _number(rate) or not 0 <= rate <= 100):
        problems.append(
            f"{within(where, 'min_pass_rate')}: must be a percentage, 0-100; got {describe(rate)}"
        )
    if limit is not None and (not _number(limit) or limit <= 0):
        problems.append(
            f"{within(where, 'max_duration')}: must be a number of seconds above 0; "
            f"got {describe(limit)}"
        )
    new = given.get("no_new_failures", False)
    if not isinstance(new, bool):
        problems.append(
            f"{within(where, 'no_new_failures')}: must be true or false; got {describe(new)}"
        )
    critical = _names(given.get("critical", []), within(where, "critical"), "test", problems)
    on_fail = given.get("on_fail", "halt")
    if on_fail not in ON_FAIL:
        problems.append(
            f"{within(where, 'on_fail')}: {unknown('on_fail', shown(on_fail), ON_FAIL, 'valid')}"
        )
    return Gate(
        min_pass_rate=None if rate is None else float(rate),
        no_new_failures=new is True,
        critical=tuple(critical),
        max_duration=None if limit is None else float(limit),
        on_fail=on_fail if on_fail in ON_FAIL else "halt",
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
