"""The shape of one cross-application flow as ``orch.yaml``'s ``cross_app_tests:`` and
``TestWorkflow.add_cross_app_test`` give it, read into a ``FlowSpec``, each problem one line
naming its path and what to do.

Steps run in the order listed unless one says otherwise (``depends_on: []`` starts at once);
a ``data_flow`` value makes its consumer wait for its producer too, and a cycle among them is a
problem naming it. ``from`` and ``to`` are dotted paths that begin with an application and a
step of this flow (either may hold dots: ``PaymentConfirmation.test``), so they are matched
against the flow's own steps, longest first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orch.core.shared.condition_spec import read_conditions
from orch.core.shared.documents import describe, is_whole, shown, within
from orch.core.shared.graphs import find_cycle
from orch.core.shared.spelling import unknown, unknown_keys
from orch.ports import Outcome
from orch.ports.flows import SOURCES, Condition, FlowSpec, FlowStep, Handoff, ValuePath

FLOW_KEYS = ("steps", "data_flow")
STEP_KEYS = ("app", "test", "id", "depends_on", "when", "timeout", "retries", "wait_for")
HANDOFF_KEYS = ("from", "to")
OUTCOMES = tuple(outcome.value for outcome in Outcome)


def flow_from(
    name: str, given: object, where: str, apps: Sequence[str]
) -> tuple[FlowSpec | None, list[str]]:
    """The flow ``name`` described by ``given`` (one value of ``cross_app_tests:``) over the
    applications ``apps``, or None and the problems, each ``where.key: what is wrong``."""
    if not isinstance(given, Mapping):
        return None, [f"{where}: must be a mapping with steps and data_flow; got {describe(given)}"]
    problems = unknown_keys(given, FLOW_KEYS, where)
    steps = _steps(given.get("steps"), within(where, "steps"), apps, problems)
    if problems:
        return None, problems
    handoffs = _handoffs(given.get("data_flow", {}), within(where, "data_flow"), steps, problems)
    if problems:
        return None, problems
    flow = FlowSpec(name, tuple(steps), tuple(handoffs))
    problems += _when_problems(flow, within(where, "steps"))
    if problems:
        return None, problems
    ids = [step.id for step in flow.steps]
    cycle = find_cycle(ids, flow.waits_for)
    if cycle:
        problems.append(
            f"{within(where, 'steps')}: steps wait for each other in a cycle "
            f"({' -> '.join(cycle)}, by depends_on, data_flow and when); break it"
        )
    return (None, problems) if problems else (flow, [])


def _steps(given: object, where: str, apps: Sequence[str], problems: list[str]) -> list[FlowStep]:
    if not isinstance(given, list) or not given:
        problems.append(
            f"{where}: must be a list of steps, each {{app: NAME, test: TEST}}; "
            f"got {describe(given)}"
        )
        return []
    steps: list[FlowStep] = []
    before = len(problems)
    for index, raw in enumerate(given):
        step = _step(raw, f"{where}[{index}]", apps, steps[-1].id if steps else None, problems)
        if step is None:
            continue
        if step.id in {s.id for s in steps}:
            problems.append(
                f"{where}[{index}].id: another step is '{step.id}'; give one of them an id"
            )
        steps.append(step)
    if len(problems) > before:
        return steps  # what waits for a wrong step would only repeat it
    ids = [step.id for step in steps]
    for index, step in enumerate(steps):
        for dependency in step.depends_on:
            if dependency not in ids or dependency == step.id:
                what = "itself" if dependency == step.id else unknown("step", dependency, ids)
                problems.append(f"{where}[{index}].depends_on: {what}")
    return steps


def _step(
    raw: object, where: str, apps: Sequence[str], before: str | None, problems: list[str]
) -> FlowStep | None:
    if not isinstance(raw, Mapping):
        problems.append(
            f"{where}: must be a mapping {{app: NAME, test: TEST}}; got {describe(raw)}"
        )
        return None
    found = unknown_keys(raw, STEP_KEYS, where)
    app, test = raw.get("app"), raw.get("test")
    if not isinstance(app, str) or app not in apps:
        found.append(f"{where}.app: {unknown('application', shown(app), list(apps))}")
    if not isinstance(test, str) or not test.strip():
        found.append(
            f"{where}.test: must name one test (tests/test_auth.py::test_login) or one "
            f"test file; got {describe(test)}"
        )
    step_id = raw.get("id", default_id(test) if isinstance(test, str) else "")
    if not isinstance(step_id, str) or not step_id:
        found.append(f"{where}.id: must be a non-empty string; got {describe(step_id)}")
    depends = raw.get("depends_on", [before] if before else [])
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        found.append(f"{where}.depends_on: must be a list of step ids; got {describe(depends)}")
    timeout, retries = raw.get("timeout"), raw.get("retries")
    if timeout is not None and (not _number(timeout) or timeout <= 0):
        found.append(
            f"{where}.timeout: must be a number of seconds above 0; got {describe(timeout)}"
        )
    if retries is not None and (not is_whole(retries) or retries < 0):
        found.append(f"{where}.retries: must be a whole number, 0 or more; got {describe(retries)}")
    conditions = _conditions(raw.get("when", []), within(where, "when"), found)
    waits, wrong = read_conditions(raw.get("wait_for", []), within(where, "wait_for"))
    found += wrong
    problems += found
    if found:
        return None
    return FlowStep(
        id=step_id,
        app=app,  # type: ignore[arg-type]
        test=test.strip(),  # type: ignore[union-attr]
        depends_on=tuple(depends),
        when=tuple(conditions),
        timeout=None if timeout is None else float(timeout),
        retries=retries,
        wait_for=waits,
    )


def default_id(test: str) -> str:
    """A step's id when it gives none: the test's name (``test_login`` of
    ``tests/test_auth.py::test_login[x]``), or its file's name without the last extension."""
    test = test.strip()
    if "::" in test:
        return test.rsplit("::", 1)[1].split("[", 1)[0]
    file = test.rstrip("/").rsplit("/", 1)[-1]
    return file.rsplit(".", 1)[0] if "." in file else file


def _conditions(given: object, where: str, problems: list[str]) -> list[Condition]:
    """``when``: one condition or a list, each ``{step: ID, outcome: passed}`` or
    ``{value: NAME, equals: V}`` (``in: [...]`` for several values)."""
    items = given if isinstance(given, list) else [given]
    conditions = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]" if isinstance(given, list) else where
        condition = _condition(item, at, problems)
        if condition is not None:
            conditions.append(condition)
    return conditions


def _condition(item: object, where: str, problems: list[str]) -> Condition | None:
    example = "{step: test_login, outcome: passed} or {value: plan, equals: premium}"
    if not isinstance(item, Mapping) or ("step" in item) == ("value" in item):
        problems.append(f"{where}: must be {example}; got {describe(item)}")
        return None
    if "step" in item:
        found = unknown_keys(item, ("step", "outcome"), where)
        outcomes = item.get("outcome", "passed")
        accepted = outcomes if isinstance(outcomes, list) else [outcomes]
        for outcome in accepted:
            if outcome not in OUTCOMES:
                found.append(f"{where}.outcome: {unknown('outcome', shown(outcome), OUTCOMES)}")
        subject, on = item["step"], "outcome"
    else:
        found = unknown_keys(item, ("value", "equals", "in"), where)
        if ("equals" in item) == ("in" in item):
            found.append(f"{where}: a value condition takes equals: V or in: [V, W], one of them")
        elif "in" in item and not isinstance(item["in"], list):
            found.append(f"{where}.in: must be a list of values; got {describe(item['in'])}")
        accepted = item["in"] if "in" in item else [item.get("equals")]
        subject, on = item["value"], "value"
    if not isinstance(subject, str) or not subject:
        found.append(
            f"{where}.{on if on == 'value' else 'step'}: must be a name; got {describe(subject)}"
        )
    problems += found
    return None if found else Condition(on, subject, tuple(accepted))


def _when_problems(flow: FlowSpec, where: str) -> list[str]:
    """Each ``when`` names a step of the flow or a value of its ``data_flow``."""
    ids, values = [s.id for s in flow.steps], [h.name for h in flow.data_flow]
    problems = []
    for index, step in enumerate(flow.steps):
        for condition in step.when:
            names = ids if condition.on == "outcome" else values
            if condition.subject not in names or condition.subject == step.id:
                kind = "step" if condition.on == "outcome" else "data_flow value"
                problems.append(
                    f"{where}[{index}].when: "
                    + (
                        "a step cannot wait for its own outcome"
                        if condition.subject == step.id
                        else unknown(kind, condition.subject, names)
                    )
                )
    return problems


def _handoffs(
    given: object, where: str, steps: Sequence[FlowStep], problems: list[str]
) -> list[Handoff]:
    if not isinstance(given, Mapping):
        problems.append(
            f"{where}: must map each value's name to {{from: APP.STEP.return.KEY, "
            f"to: APP.STEP.ARGUMENT.KEY}}; got {describe(given)}"
        )
        return []
    handoffs = []
    for name, raw in given.items():
        at = within(where, str(name))
        if not isinstance(raw, Mapping) or not {"from", "to"} <= set(raw):
            problems.append(f"{at}: must be {{from: ..., to: ...}}; got {describe(raw)}")
            continue
        found = unknown_keys(raw, HANDOFF_KEYS, at)
        source = _value_path(raw["from"], within(at, "from"), steps, found)
        target = _value_path(raw["to"], within(at, "to"), steps, found)
        if source is not None and source.part not in SOURCES:
            found.append(
                f"{at}.from: a step's values are its {' or '.join(SOURCES)} "
                f"({source.app}.{source.step}.return.KEY); got '{source.part}'"
            )
        if source is not None and target is not None and source.step == target.step:
            found.append(f"{at}: a step cannot hand a value to itself")
        problems += found
        if not found and source is not None and target is not None:
            handoffs.append(Handoff(str(name), source, target))
    return handoffs


def _value_path(
    given: object, where: str, steps: Sequence[FlowStep], problems: list[str]
) -> ValuePath | None:
    """``APP.STEP.PART.KEY...``: the longest application, then the longest of its steps."""
    shape = "APP.STEP.PART[.KEY...], such as user-service.test_login.return.token"
    if not isinstance(given, str):
        problems.append(f"{where}: must be {shape}; got {describe(given)}")
        return None
    apps = sorted({step.app for step in steps}, key=len, reverse=True)
    app = next((a for a in apps if given.startswith(a + ".")), None)
    if app is None:
        problems.append(
            f"{where}: must start with an application of this flow's steps "
            f"({', '.join(sorted(apps))}); got {describe(given)}"
        )
        return None
    rest = given[len(app) + 1 :]
    ids = sorted((s.id for s in steps if s.app == app), key=len, reverse=True)
    step = next((i for i in ids if rest.startswith(i + ".")), None)
    if step is None:
        problems.append(f"{where}: {unknown(f'step of {app}', rest.split('.', 1)[0], sorted(ids))}")
        return None
    part, *keys = rest[len(step) + 1 :].split(".")
    if not part or not all(keys):
        problems.append(f"{where}: must be {shape}; got {describe(given)}")
        return None
    return ValuePath(app, step, part, tuple(keys))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
