"""What a run keeps of its flows: when each step ran, how many attempts it took, the values it
was given and published.

Two files in the run's folder (``.orch/runs/RUN/``), written as the flows go (a killed run keeps
what its steps published):

- ``flow-values.jsonl``: the values themselves, unredacted, readable by the owner only, because
  a resumed run (``orch run --resume``) hands them to the steps it runs again: one line appended
  per step that ended or published (a run's cost per step stays the same however many ran; a
  line cut short by a kill is the last, and is left out);
- ``flows.json``: each flow's timeline as the reports show it (``orch flow show RUN``): values
  under a name that looks secret (``user_token``, ``Authorization``, ``password``...) masked, and
  every text redacted.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orch.core.run.flow_values import Missing, Published, value_at
from orch.core.shared.redaction import MASK, Redactor
from orch.ports import ConfigError, RunStore, TestResult
from orch.ports.credentials import looks_secret
from orch.ports.flows import FlowRecord, FlowSpec, Handoff, StepRecord, step_nodeid
from orch.ports.simulator import SIMULATED_MARKER

VALUES_FILE = "flow-values.jsonl"
RECORDS_FILE = "flows.json"
_SECRET_HEADERS = ("authorization", "cookie", "credential", "session")


def secret_name(name: str) -> bool:
    """Whether a value called ``name`` is one to mask: a name that looks secret, or a header
    that carries credentials."""
    return looks_secret(name) or any(word in name.lower() for word in _SECRET_HEADERS)


def is_secret(handoff: Handoff) -> bool:
    """Whether the value ``handoff`` carries is a secret, by its name or any key on its way."""
    names = (handoff.name, *handoff.source.keys, handoff.target.part, *handoff.target.keys)
    return any(secret_name(name) for name in names)


def simulated_of(result: TestResult | None) -> tuple[str, ...]:
    """The services simulators stood in for while ``result``'s test ran."""
    markers = () if result is None else result.markers
    return tuple(m[len(SIMULATED_MARKER) :] for m in markers if m.startswith(SIMULATED_MARKER))


def handed_secrets(flow: FlowSpec, step: str, values: Published) -> list[str]:
    """The secrets among what ``step`` published that the flow hands on (a token its login
    returned): the run masks them wherever the results that follow print them."""
    secrets = []
    for handoff in flow.data_flow:
        if handoff.source.step == step and is_secret(handoff):
            with contextlib.suppress(Missing):
                value = value_at(values, handoff.source)
                if isinstance(value, str):
                    secrets.append(value)
    return secrets


class FlowRecorder:
    """The flows' values and times of run folder ``run_dir``, starting from those a resumed
    run recorded there."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._values: dict[str, dict[str, Published]] = {}
        self._times: dict[str, dict[str, dict[str, Any]]] = {}
        self._given: dict[str, dict[str, dict[Handoff, Any]]] = {}
        self._load()

    def values(self, flow: str, step: str) -> Published:
        return self._values.get(flow, {}).get(step, {})

    def started(self, flow: str, step: str, when: float, given: Mapping[Handoff, Any]) -> None:
        times = self._times.setdefault(flow, {}).setdefault(step, {})
        times.setdefault("started", when)
        self._given.setdefault(flow, {})[step] = dict(given)

    def ended(self, flow: str, step: str, when: float, attempts: int) -> None:
        times = self._times.setdefault(flow, {}).setdefault(step, {})
        times.update(ended=when, attempts=attempts)
        self._append({"flow": flow, "step": step, "times": times})

    def published(self, flow: str, step: str, values: Published) -> None:
        self._values.setdefault(flow, {})[step] = values
        self._append({"flow": flow, "step": step, "values": values})

    def records(
        self,
        flows: Iterable[FlowSpec],
        finals: Mapping[tuple[str, str], TestResult],
        redactor: Redactor,
        environments: Mapping[str, str | None],
    ) -> tuple[FlowRecord, ...]:
        """Each flow's timeline from the run's final results (``environments``: each
        application's), its values masked and redacted."""
        records = []
        for flow in flows:
            steps = []
            for step in flow.steps:
                result = finals.get((step.app, step_nodeid(flow.name, step)))
                times = self._times.get(flow.name, {}).get(step.id, {})
                given = {
                    h.name: _shown(v, is_secret(h), redactor)
                    for h, v in self._given.get(flow.name, {}).get(step.id, {}).items()
                }
                steps.append(
                    StepRecord(
                        flow.name,
                        step.id,
                        step.app,
                        step.test,
                        None if result is None else result.outcome,
                        result.message if result is not None else "",
                        environments.get(step.app),
                        times.get("started"),
                        times.get("ended"),
                        times.get("attempts", 0),
                        given,
                        _masked(self.values(flow.name, step.id), redactor),
                        simulated_of(result),
                    )
                )
            records.append(FlowRecord(flow.name, tuple(steps)))
        return tuple(records)

    def save_records(self, records: Iterable[FlowRecord]) -> None:
        shown = [record.as_json() for record in records]
        _write(self.run_dir / RECORDS_FILE, shown, private=False)

    def _append(self, line: dict[str, Any]) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        with os.fdopen(os.open(self.run_dir / VALUES_FILE, flags, 0o600), "a") as file:
            file.write(json.dumps(line, default=str) + "\n")

    def _load(self) -> None:
        path = self.run_dir / VALUES_FILE
        if not path.exists():
            return
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise _unreadable(path, error) from error
        for number, text in enumerate(lines, 1):
            try:
                line = json.loads(text)
                flow, step = str(line["flow"]), str(line["step"])
                if "values" in line:
                    self._values.setdefault(flow, {})[step] = dict(line["values"])
                if "times" in line:
                    self._times.setdefault(flow, {})[step] = dict(line["times"])
            except (ValueError, KeyError, TypeError) as error:
                if number < len(lines):  # only the last may be cut short by a kill
                    raise _unreadable(path, f"line {number}: {error}") from error


def _unreadable(path: Path, error: object) -> ConfigError:
    return ConfigError(
        f"{path}: the values this run's flows published cannot be read ({error}); start a new "
        "run instead of resuming this one"
    )


def flow_records(store: RunStore, state_dir: Path, run_id: str | None) -> tuple[str, list[Any]]:
    """Run ``run_id`` (default: the latest) and its flows as ``save_records`` wrote them."""
    record = store.get_run(run_id) if run_id else store.latest_run()
    if record is None:
        raise ConfigError(f"no run '{run_id}' recorded" if run_id else "no run recorded yet")
    run_dir = state_dir / "runs" / record.id
    path = run_dir / RECORDS_FILE
    if not path.exists():
        raise ConfigError(
            f"run {run_dir.name} recorded no flows ({path} is missing): it ran no "
            "cross_app_tests, or it ended before orch could write them"
        )
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: not readable JSON ({error}); run the flows again") from error
    if not isinstance(records, list):
        raise ConfigError(f"{path}: must hold a list of flows; run the flows again")
    return record.id, records


def _shown(value: Any, secret: bool, redactor: Redactor) -> Any:
    if secret:
        return MASK
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, dict):
        return _masked(value, redactor)
    if isinstance(value, list):
        return [_shown(item, False, redactor) for item in value]
    return value


def _masked(values: Mapping[str, Any], redactor: Redactor) -> dict[str, Any]:
    """``values`` with what sits under a secret name masked, and every text redacted."""
    return {key: _shown(value, secret_name(str(key)), redactor) for key, value in values.items()}


def _write(path: Path, value: object, private: bool) -> None:
    """Write ``value`` as JSON, atomically (a killed run leaves the last whole file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    with os.fdopen(os.open(partial, flags, 0o600 if private else 0o644), "w") as file:
        json.dump(value, file, indent=1, default=str)
    os.replace(partial, path)
