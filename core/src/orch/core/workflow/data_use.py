"""An application's ``test_data:``: the dataset its tests read, as a name
(``test_data: payments-data``) or a mapping ``{dataset, per, env}``: who shares a copy (the
whole ``run``, each ``worker``, each ``test``) and the variable its address is handed in
(default ``ORCH_DATA_URL``). That the dataset exists is checked with the whole file."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from orch.core.shared.documents import describe, shown
from orch.core.shared.spelling import unknown
from orch.core.workflow.structuring import Block, Key, Problem
from orch.ports.data import COPY_MODES, DATA_URL_VAR, DataUse

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _dataset(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value:
        raise Problem(f"expected the name of a dataset under test_data, got {describe(value)}")
    return {"dataset": value}


def _per(value: Any) -> dict[str, Any]:
    if value not in COPY_MODES:
        raise Problem(partial(unknown, "copy mode", shown(value), COPY_MODES))
    return {"per": value}


def _env(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not _VARIABLE.fullmatch(value):
        raise Problem(
            f"expected the name of an environment variable such as DATABASE_URL, got "
            f"{describe(value)}"
        )
    return {"env": value}


DATA_USE = Block(
    (
        Key("dataset", required=True, read=_dataset),
        Key("per", read=_per),
        Key("env", read=_env),
    ),
    make=DataUse,
)


def read_data_use(structure: Any, value: Any) -> dict[str, Any]:
    """``test_data: NAME`` or ``test_data: {dataset: NAME, per: worker, env: DATABASE_URL}``;
    ``structure`` structures a block (the schema's)."""
    if isinstance(value, str):
        return {"test_data": DataUse(_dataset(value)["dataset"], env=DATA_URL_VAR)}
    return {"test_data": structure(DATA_USE, value)}
