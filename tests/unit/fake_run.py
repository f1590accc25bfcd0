"""A run of the real run use case on orch.testing's fakes, shared by the unit tests of runs."""

from __future__ import annotations

from orch.core import Workflow
from orch.core.run.session import RunSession
from orch.ports import Store
from orch.testing.fake_runner import FakeClock, FakeExecutor, FakeRunner
from orch.testing.fakes import FakeStore


def fake_session(
    workflow: Workflow,
    runner: FakeRunner,
    store: Store | None = None,
    clock: FakeClock | None = None,
    **options,
) -> RunSession:
    """A RunSession of ``workflow`` whose applications (runner ``fake``) all run on ``runner``,
    in its fake processes: a fresh FakeStore unless ``store`` is given, a clock ticking 10 ms
    unless ``clock`` is, state under the workflow's root and no pause between polls.
    ``options`` are the session's other arguments (``selection``, ``observer``)."""
    return RunSession(
        workflow,
        runners={"fake": runner},
        executor=FakeExecutor(runner),
        store=FakeStore() if store is None else store,
        state_dir=workflow.root / ".orch",
        clock=FakeClock(0.01) if clock is None else clock,
        poll_seconds=0,
        **options,
    )
