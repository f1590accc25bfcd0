"""What selection reads from the store, in one place: recent outcomes and test durations.

The store's answers are turned into selection's own values here, so a change of the Store port
changes this module only.
"""

from __future__ import annotations

from attrs import frozen

from orch.ports import Store


@frozen
class RecentOutcomes:
    """How a test fared in the application's recent runs."""

    runs: int
    failures: int
    flaky: int


def recent_outcomes(store: Store, app: str) -> dict[str, RecentOutcomes]:
    """Per nodeid of ``app``, its outcomes over the recent runs the store keeps."""
    return {
        nodeid: RecentOutcomes(*counts) for nodeid, counts in store.outcome_history(app).items()
    }


def durations(store: Store, app: str) -> dict[str, float]:
    """Per nodeid of ``app``, how long it took when it last passed."""
    return store.durations(app)
