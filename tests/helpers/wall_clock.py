"""Wall-clock budgets of the tests that bound how long something takes.

Such a bound catches an algorithm gone quadratic, so it is tight. coverage.py's tracer makes
Python code two to four times slower, so scripts/test sets ``ORCH_TEST_SLOWDOWN`` (4) when it
measures coverage and every budget is multiplied by it; unmeasured, a budget is exactly what the
test says.
"""

from __future__ import annotations

import os

SLOWDOWN_VARIABLE = "ORCH_TEST_SLOWDOWN"


def slowdown() -> float:
    """How many times slower than normal the suite runs (1 unless ``ORCH_TEST_SLOWDOWN`` says)."""
    raw = os.environ.get(SLOWDOWN_VARIABLE, "")
    if not raw:
        return 1.0
    try:
        factor = float(raw)
    except ValueError:
        factor = 0.0
    if not factor >= 1:
        raise ValueError(
            f"{SLOWDOWN_VARIABLE}={raw!r}: give a number of at least 1 "
            "(how many times slower the suite runs; scripts/test sets 4 when it measures coverage)"
        )
    return factor


def budget(seconds: float) -> float:
    """``seconds`` stretched by the suite's slowdown."""
    return seconds * slowdown()
