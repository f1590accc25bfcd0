"""The test data of one run: each dataset its applications read, loaded once per environment
(the sink's ``{service.url}`` templates resolved from it), and the copies its shards take.

A dataset is loaded when the environment its applications share is up (or, for applications
with none, when the run starts), once what dead runs left at that sink is removed: into a
template (a database, a folder) that nothing writes,
then copied, one copy per worker or one for the run (``CopyPool``). What the run made is named
after it (the sink's ``owner``), so that a run that dies leaves what any later load or
``orch data clean`` finds and removes. Which version each application saw is written to
``<state>/runs/<run>/data.json`` and to the version's record.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

from orch.core.data.copy_pool import CopyPool
from orch.core.data.owners import run_alive
from orch.core.data.preparing import Prepared
from orch.core.data.targets import sink_target
from orch.core.data.versions import Versions
from orch.ports import Application
from orch.ports.data import RUN_DATA_FILE, DataSink, Loaded, Resolve, SinkSpec
from orch.ports.errors import ConfigError, DataProblem


class RunData:
    """The datasets ``prepared`` for run ``run_id`` of ``apps``, loaded by ``sinks``
    (relative paths in their options under ``root``, the workflow's folder)."""

    def __init__(
        self,
        apps: list[Application],
        prepared: Mapping[str, Prepared],
        sinks: Callable[[str], DataSink],
        run_id: str,
        workers: int,
        state_dir: Path,
        root: Path,
    ) -> None:
        self.apps = {app.name: app for app in apps if app.test_data is not None}
        self.prepared = prepared
        self.sinks = sinks
        self.run_id = run_id
        self.workers = workers
        self.versions = Versions(state_dir)
        self.state_dir = state_dir
        self.root = root
        self.record = state_dir / "runs" / run_id / RUN_DATA_FILE
        self._loads: dict[tuple[str, str], tuple[DataSink, Loaded]] = {}
        self._pools: dict[str, CopyPool] = {}  # by application
        self._lock = threading.Lock()

    def load(self, environment: str, resolve: Resolve) -> None:
        """Load every dataset the applications of ``environment`` (``""``: those with none)
        read, and make their copies; ``DataProblem`` names the dataset that failed."""
        for app in self.apps.values():
            if app.environment != environment or app.name in self._pools:
                continue
            use = app.test_data
            assert use is not None
            sink, loaded = self._loaded(app, use.dataset, resolve)
            prefix = f"{app.name}-{use.per}"
            size = self.workers + 1  # one spare: a starting shard need not wait for a reset
            pool = CopyPool(sink, loaded, prefix, size, shared=use.per == "run")
            with self._lock:
                self._pools[app.name] = pool
        self._write_record()

    def take(self, app: str, shard: str) -> Mapping[str, str]:
        """The variable that gives shard ``shard`` of ``app`` its copy's address."""
        pool = self._pools.get(app)
        if pool is None:
            return {}
        use = self.apps[app].test_data
        assert use is not None
        return {use.env: pool.take(shard).address}

    def give_back(self, app: str, shard: str) -> None:
        pool = self._pools.get(app)
        if pool is not None:
            pool.give_back(shard)

    def remove(self, environment: str) -> None:
        """Remove the copies and loads of the datasets of ``environment``'s applications."""
        with self._lock:
            names = [n for n in self._pools if self.apps[n].environment == environment]
            pools = [self._pools.pop(name) for name in names]
            keys = [key for key in self._loads if key[1] == environment]
            loads = [self._loads.pop(key) for key in keys]
        for pool in pools:
            pool.remove()
        for sink, loaded in loads:
            sink.remove(loaded)

    def close(self) -> None:
        """Remove everything the run loaded, whatever environment."""
        for environment in {app.environment for app in self.apps.values()}:
            self.remove(environment)

    def _loaded(self, app: Application, dataset: str, resolve: Resolve) -> tuple[DataSink, Loaded]:
        key = (dataset, app.environment)
        if key not in self._loads:
            prepared = self.prepared[dataset]
            sink_spec = prepared.spec.sink
            if sink_spec is None:
                raise ConfigError(f"dataset '{dataset}' has no sink: say where it is loaded")
            sink = self.sinks(sink_spec.kind)
            options = resolve(app, sink_spec.options)
            where = f"test data '{dataset}'"
            target = sink_target(sink, sink_spec.kind, options, self.run_id, self.root, where)
            try:
                sink.leftovers(target.options, partial(run_alive, self.state_dir))
                loaded = sink.load(prepared.data, target)
            except DataProblem as problem:
                raise DataProblem(f"test data '{dataset}': {problem}") from None
            self._loads[key] = sink, loaded
            self.versions.used(prepared.version, self.run_id, self._readers(dataset))
        return self._loads[key]

    def _readers(self, dataset: str) -> list[str]:
        return [
            n for n, app in self.apps.items() if app.test_data and app.test_data.dataset == dataset
        ]

    def _write_record(self) -> None:
        """Which version each application's tests read, and where: ``data.json``."""
        with self._lock:
            self._write_record_locked()

    def _write_record_locked(self) -> None:
        seen = {}
        for name in self._pools:
            use = self.apps[name].test_data
            assert use is not None
            prepared = self.prepared[use.dataset]
            sink: SinkSpec | None = prepared.spec.sink
            seen[name] = {
                "dataset": use.dataset,
                "version": prepared.version,
                "per": use.per,
                "sink": sink.kind if sink else "",
            }
        self.record.parent.mkdir(parents=True, exist_ok=True)
        self.record.write_text(json.dumps(seen, indent=1, sort_keys=True), encoding="utf-8")
