"""The copies of one loaded dataset that a run's shards take turns on.

``per: worker`` makes a copy per worker and a spare (at once: PostgreSQL makes 8
clones of 100,000 rows in parallel in about 0.6x the time it takes one after another): a
starting shard takes a free
one, and when it ends its copy is reset to the loaded version on a thread of its own (the
run goes on meanwhile) before it is free again, so each shard starts on the data as loaded and
no two running shards share a database. ``per: run`` makes one copy that every shard shares
and nothing resets: for stateless tests.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from orch.ports.data import DataCopy, DataSink, Loaded
from orch.ports.errors import DataProblem

TAKE_TIMEOUT = 600.0
"""Seconds a shard waits for a copy to be reset before its tests are errors saying so."""


class CopyPool:
    """``size`` copies of ``loaded`` made by ``sink``, named ``<prefix>-<n>``; ``shared``: one
    copy every taker shares, never reset."""

    def __init__(
        self, sink: DataSink, loaded: Loaded, prefix: str, size: int, shared: bool
    ) -> None:
        self.sink = sink
        self.shared = shared
        names = [f"{prefix}-{n}" for n in range(1 if shared else size)]
        with ThreadPoolExecutor(max_workers=len(names)) as making:  # a server clones in parallel
            self.copies = list(making.map(lambda name: sink.copy(loaded, name), names))
        self._free = list(self.copies)
        self._taken: dict[str, DataCopy] = {}
        self._problem: DataProblem | None = None
        self._resets: list[threading.Thread] = []
        self._changed = threading.Condition()

    def take(self, taker: str) -> DataCopy:
        """A copy for ``taker`` (a shard), waiting for one being reset; ``DataProblem`` when
        a reset failed (its error) or none came free in time."""
        if self.shared:
            return self.copies[0]
        with self._changed:
            if not self._changed.wait_for(lambda: self._free or self._problem, TAKE_TIMEOUT):
                raise DataProblem(f"no copy of the test data came free in {TAKE_TIMEOUT:.0f} s")
            if self._problem is not None:
                raise self._problem
            copy = self._taken[taker] = self._free.pop(0)
            return copy

    def give_back(self, taker: str) -> None:
        """``taker`` is done: its copy is reset on a thread and then free again. Giving back
        twice, or what was never taken, is nothing."""
        with self._changed:
            copy = self._taken.pop(taker, None)
        if copy is None:
            return
        thread = threading.Thread(target=self._restore, args=(copy,), daemon=True)
        self._resets.append(thread)
        thread.start()

    def remove(self) -> None:
        """Remove every copy (the run is over), once the resets under way have ended."""
        for thread in self._resets:
            thread.join(TAKE_TIMEOUT)
        for copy in self.copies:
            self.sink.remove(copy)

    def _restore(self, copy: DataCopy) -> None:
        try:
            self.sink.reset(copy)
        except DataProblem as problem:
            with self._changed:
                self._problem = problem
                self._changed.notify_all()
            return
        with self._changed:
            self._free.append(copy)
            self._changed.notify_all()
