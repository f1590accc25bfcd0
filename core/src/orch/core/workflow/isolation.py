"""``isolation:`` and ``test_type:`` of an application (``isolation`` of ``execution`` too).

``isolation`` is a mode (``sandbox``) or a mapping ``{mode, network, cpus, memory, image}``
whose keys left out come from the test type (``orch.core.run.isolation`` says how); a bad mode
or test type is one line naming its JSON path and the choices.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from orch.core.shared.documents import describe, shown
from orch.core.shared.spelling import unknown
from orch.core.workflow.services import memory_limit
from orch.core.workflow.structuring import Block, Key, Problem
from orch.ports import ISOLATION_MODES, TEST_TYPES, IsolationSettings

MAX_PINNED = 1024
"""The most CPUs a shard may ask to have to itself."""


def _mode(value: Any) -> dict[str, Any]:
    if value not in ISOLATION_MODES:
        raise Problem(partial(unknown, "isolation mode", shown(value), ISOLATION_MODES))
    return {"mode": value}


def _cpus(value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_PINNED:
        raise Problem(
            f"cpus is how many CPUs the shard has to itself, a whole number from 1 to "
            f"{MAX_PINNED}, got {describe(value)}"
        )
    return {"cpus": value}


def _image(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value.strip():
        raise Problem(f"expected an image name such as python:3.12-slim, got {describe(value)}")
    return {"image": value}


ISOLATION = Block(
    (
        Key("mode", read=_mode),
        Key("network", bool),
        Key("cpus", read=_cpus),
        Key("memory", read=memory_limit),
        Key("image", read=_image),
    ),
    make=IsolationSettings,
)


def read_test_type(value: Any) -> dict[str, Any]:
    """``test_type: unit``: one of ``TEST_TYPES``."""
    if value not in TEST_TYPES:
        raise Problem(partial(unknown, "test type", shown(value), TEST_TYPES))
    return {"test_type": value}


def mode_only(value: Any) -> IsolationSettings | None:
    """``isolation: sandbox``, the short form; None when ``value`` is a mapping."""
    if isinstance(value, dict):
        return None
    if not isinstance(value, str):
        raise Problem(
            f"expected a mode ({', '.join(ISOLATION_MODES)}) or a mapping such as "
            f"{{mode: sandbox, network: false}}, got {describe(value)}"
        )
    return IsolationSettings(**_mode(value))
