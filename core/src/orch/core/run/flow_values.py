"""The values a flow's steps hand on: what a step's process published, found by the paths of the
``data_flow``, and what its consumer is given.

A step's process is told where to publish and where its inputs are by environment variables:

- ``ORCH_OUTPUTS``: a JSON object file any framework may write (the ``orch_outputs`` fixture
  and JUnit ``<property>`` elements end up there too): the step's ``outputs``;
- ``ORCH_RETURN``: where orch's pytest plugin writes the test's return value: its ``return``
  (of a step that returned nothing, ``return`` reads the outputs object: frameworks without
  return values publish there);
- ``ORCH_INPUTS``: a JSON object of the values delivered, by ``data_flow`` name, and each also as
  ``ORCH_INPUT_<NAME>`` (a string as it is, anything else as JSON);
- ``ORCH_ARGUMENTS``: for the pytest plugin, where each value goes: the argument and the keys
  within it (``headers`` and ``Authorization`` of ``test_pay.headers.Authorization``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orch.ports.flows import Handoff, ValuePath

OUTPUTS_FILE = "orch-outputs.json"
RETURN_FILE = "orch-return.json"
INPUTS_FILE = "orch-inputs.json"
ARGUMENTS_FILE = "orch-arguments.json"

Published = dict[str, Any]
"""A step's values: ``{"return": ..., "outputs": {...}}``, either missing when not published."""


class Missing(Exception):
    """A value a consumer needs is not there; the message says which and why."""


def published(scratch: Path) -> tuple[Published, str]:
    """What the step whose process ran in ``scratch`` published, and a problem with it ('' when
    none): an outputs file that is not a JSON object is a problem, its values are then lost."""
    found: Published = {}
    problem = ""
    outputs = scratch / OUTPUTS_FILE
    if outputs.exists():
        try:
            value = json.loads(outputs.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problem = f"$ORCH_OUTPUTS ({outputs.name}) is not JSON: {error}"
        else:
            if isinstance(value, dict):
                found["outputs"] = value
            else:
                kind = type(value).__name__
                problem = f"$ORCH_OUTPUTS ({outputs.name}) must hold a JSON object, not a {kind}"
    returned = scratch / RETURN_FILE
    if returned.exists():
        try:
            value = json.loads(returned.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problem = problem or f"the test's return value ({returned.name}) is not JSON: {error}"
        else:
            if value is not None:  # a test that returns nothing returned nothing
                found["return"] = value
    return found, problem


def value_at(values: Published, path: ValuePath) -> Any:
    """The value ``path`` names in a step's published ``values``; ``Missing`` saying where the
    trail ends."""
    part = path.part
    if part == "return" and part not in values:
        part = "outputs"  # a framework without return values returns what it published
    if part not in values:
        what = "returned nothing" if path.part == "return" else "published no outputs"
        raise Missing(f"{path}: step {path.step} of {path.app} {what}")
    value = values[part]
    walked = [path.part]
    for key in path.keys:
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            keys = sorted(value) if isinstance(value, dict) else []
            has = f" (it has {', '.join(map(str, keys[:8]))})" if keys else ""
            raise Missing(f"{path}: no '{key}' in {'.'.join(walked)}{has}")
        walked.append(key)
    return value


def deliver(scratch: Path, handoffs: Mapping[Handoff, Any]) -> dict[str, str]:
    """Write the inputs files of a step given ``handoffs`` (each with its value) into
    ``scratch``; the environment variables that point its process at them."""
    inputs = {handoff.name: value for handoff, value in handoffs.items()}
    arguments = [
        {"name": h.name, "argument": h.target.part, "keys": list(h.target.keys), "value": value}
        for h, value in handoffs.items()
    ]
    _write(scratch / INPUTS_FILE, inputs)
    _write(scratch / ARGUMENTS_FILE, arguments)
    env = {
        "ORCH_OUTPUTS": str(scratch / OUTPUTS_FILE),
        "ORCH_RETURN": str(scratch / RETURN_FILE),
        "ORCH_INPUTS": str(scratch / INPUTS_FILE),
        "ORCH_ARGUMENTS": str(scratch / ARGUMENTS_FILE),
    }
    for name, value in inputs.items():
        env[input_variable(name)] = value if isinstance(value, str) else json.dumps(value)
    return env


def input_variable(name: str) -> str:
    """``ORCH_INPUT_USER_TOKEN`` for ``user_token`` (``user-token``, ``user.token``)."""
    return "ORCH_INPUT_" + "".join(c if c.isalnum() else "_" for c in name).upper()


def _write(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=1, default=str), encoding="utf-8")
    path.chmod(0o600)  # the values may be secrets: readable by the step's user only
