"""HTTP values users write in more than one block: a status code (a wait strategy's, a
simulator's response)."""

from __future__ import annotations

from typing import Any

from orch.core.shared.documents import describe
from orch.core.workflow.structuring import Problem


def http_status(value: Any) -> dict[str, Any]:
    """``{"status": value}`` for a whole number from 100 to 599."""
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise Problem(f"an HTTP status is a whole number from 100 to 599, got {describe(value)}")
    return {"status": value}
