"""The root cause a failure is clustered by: where the fault is, not what the message says.

Two failures share a root cause when the same exception type is raised in the same function of
the application's own code, or when the tests' assertions fail on the same application symbol
with the same kind of mismatch: the same wrong function asserted on different values in
different tests is one fault. A crash is keyed by how the process ended. Failures with none of
this evidence get no cause here and are grouped by their message template instead, so
different exception types from different code never meet.
"""

from __future__ import annotations

from orch.core.triage.evidence import Evidence, short_file
from orch.core.triage.places import Place
from orch.ports import Failure


def root_cause(failure: Failure, evidence: Evidence) -> str:
    """The root cause of ``failure`` in words, or ``""`` when only its message can group it."""
    kind = evidence.kind or "an error"
    own = evidence.own
    if evidence.crash:
        return ""  # a crash names the test that was running: its message template groups it
    app = evidence.app
    if app is not None and evidence.in_app:
        return f"{kind} raised in {short_file(app.file)}:{app.function or app.line}"
    if evidence.assertion and evidence.symbol:
        return f"assertion ({evidence.mismatch}) on {evidence.symbol}()"
    if evidence.assertion and own is not None and evidence.own_place is Place.TEST:
        return f"assertion ({evidence.mismatch}) in {short_file(own.file)}"
    return ""
