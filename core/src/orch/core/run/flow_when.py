"""Whether a flow step's ``when`` holds: an earlier step ended one of the ways it names, or a
value handed on is one of those it names."""

from __future__ import annotations

from collections.abc import Callable

from orch.core.run.flow_records import FlowRecorder
from orch.core.run.flow_values import value_at
from orch.ports import Outcome
from orch.ports.flows import Condition, FlowSpec, FlowStep


def unmet(
    flow: FlowSpec,
    condition: Condition,
    outcome_of: Callable[[FlowStep], Outcome | None],
    recorder: FlowRecorder,
    shown: Callable[[str], str],
) -> str:
    """Why ``condition`` does not hold ('' when it does): ``outcome_of`` a step is its final
    outcome (None: it did not run), values are what ``recorder`` kept, and a value is quoted
    as ``shown`` (redacted) makes it. ``Missing`` when the value is not there at all."""
    if condition.on == "outcome":
        subject = flow.step(condition.subject)
        ended = outcome_of(subject)
        outcome = "not run" if ended is None else ended.value
        if outcome in condition.accepted:
            return ""
        wanted = " or ".join(map(str, condition.accepted))
        return f"step {subject.id} {outcome}, wanted {wanted}"
    handoff = next(h for h in flow.data_flow if h.name == condition.subject)
    value = value_at(recorder.values(flow.name, handoff.source.step), handoff.source)
    if value in condition.accepted:
        return ""
    wanted = " or ".join(repr(v) for v in condition.accepted)
    return f"value {handoff.name} is {shown(repr(value))}, wanted {wanted}"
