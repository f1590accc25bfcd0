"""An in-memory DataSink for unit tests of core: fast, no files or servers, and it passes the
same contract as the real sinks, so core's tests of loading, copying and resetting data hold for
them too.

Options: ``store`` names a place in this sink's memory (a fresh name per test); ``refuse``
(``ENTITY:ROW``, row counted from 1) makes it refuse that row, as a database would a bad one.
Places are named ``STORE/orch_OWNER_DATASET`` and copies ``.../COPY``; ``places`` holds each
place's rows (a test may change them, as an application would) and ``loads`` every target loaded.
"""

from __future__ import annotations

import copy as deep
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from attrs import define, field

from orch.ports.data import DataCopy, GeneratedData, Loaded, SinkTarget
from orch.ports.errors import ConfigError, DataProblem

Rows = dict[str, list[dict[str, Any]]]


@define
class _Place:
    owner: str
    rows: Rows
    origin: str | None = None


@define
class FakeDataSink:
    """Rows kept in a dict, by place."""

    PLUGIN_NAME: ClassVar[str] = "fake"
    OPTIONS: ClassVar[Mapping[str, str]] = {
        "store": "the name of the in-memory place the data goes to",
        "refuse": "ENTITY:ROW (from 1): a row this sink refuses, to test failing loads",
    }

    places: dict[str, _Place] = field(factory=dict)
    loads: list[SinkTarget] = field(factory=list)

    def load(self, data: GeneratedData, target: SinkTarget) -> Loaded:
        self.loads.append(target)
        store = target.options.get("store", "default")
        refused = self._refused(target.options)
        staged: Rows = {}
        for table in data.tables:
            staged[table.entity] = []
            for number, row in enumerate(table.rows(), start=1):
                if refused == (table.entity, number):
                    raise DataProblem(f"fake sink: {table.entity} row {number} refused")
                staged[table.entity].append(deep.deepcopy(row))
        place = f"{store}/orch_{target.owner}_{data.dataset}"
        self.remove_place(place)
        self.places[place] = _Place(target.owner, staged)
        entities = tuple(t.entity for t in data.tables)
        return Loaded(target, data.version, place, f"fake://{place}", entities)

    def copy(self, loaded: Loaded, name: str) -> DataCopy:
        source = self._place(loaded.place)
        place = f"{loaded.place}/{name}"
        self.places[place] = _Place(source.owner, deep.deepcopy(source.rows), loaded.place)
        return DataCopy(loaded, name, place, f"fake://{place}")

    def reset(self, copy: DataCopy) -> None:
        target = self._place(copy.place)
        target.rows = deep.deepcopy(self._place(copy.loaded.place).rows)

    def remove(self, place: Loaded | DataCopy) -> None:
        self.remove_place(place.place)

    def remove_place(self, place: str) -> list[str]:
        """Remove ``place`` and the copies made of it; the places removed."""
        gone = [p for p, held in self.places.items() if p == place or held.origin == place]
        for name in gone:
            del self.places[name]
        return gone

    def read(self, place: Loaded | DataCopy) -> Rows:
        return deep.deepcopy(self._place(place.place).rows)

    def leftovers(self, options: Mapping[str, str], alive: Callable[[str], bool]) -> list[str]:
        prefix = options.get("store", "default") + "/"
        dead = [
            name
            for name, held in self.places.items()
            if name.startswith(prefix) and held.origin is None and not alive(held.owner)
        ]
        return [gone for name in dead for gone in self.remove_place(name)]

    def _place(self, place: str) -> _Place:
        held = self.places.get(place)
        if held is None:
            raise DataProblem(f"fake sink: no data at {place} (removed, or never loaded)")
        return held

    @staticmethod
    def _refused(options: Mapping[str, str]) -> tuple[str, int] | None:
        text = options.get("refuse")
        if not text:
            return None
        entity, _, row = text.rpartition(":")
        if not entity or not row.isdigit():
            raise ConfigError(f"fake sink option refuse: {text!r} is not ENTITY:ROW")
        return entity, int(row)
