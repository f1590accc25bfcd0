"""The ``http`` sink: a dataset loaded through an application's own API, for applications whose
data can only be made that way (their IDs, their invariants, their side effects).

Each entity's rows are POSTed as JSON in dependency order; the API gives each record its id
(``id_field`` of its answer) and a child's references are the ids the API gave the parents
they refer to, not the generated ones. A failure part-way DELETEs what was created, newest
first (at the answer's ``Location``, else ``url/path/id``), and names the entity, the row, the
API's status and an excerpt of its answer. An API cannot be copied: workers share the loaded
data, and ``reset`` deletes what was created and loads it again. What was created is known to
the process that loaded it (an API's records carry no owner), so ``leftovers`` finds nothing.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from attrs import define

from orch.adapters.http.client import Api, ApiError
from orch.adapters.http.settings import OPTIONS, Settings, settings
from orch.ports.data import DataCopy, GeneratedData, Loaded, SinkTarget, Table
from orch.ports.errors import DataProblem

Created = list[tuple[str, str]]
"""(entity, URL) of each record the API created, in the order created."""


@define
class _Load:
    data: GeneratedData
    target: SinkTarget
    created: Created


def _record(
    table: Table, row: dict[str, Any], given: dict[str, dict[Any, Any]], where: str, id_field: str
) -> dict[str, Any]:
    """``row`` as POSTed: without the key the API gives, references to the ids it gave."""
    record = {name: value for name, value in row.items() if not (name == table.key == id_field)}
    for name, (parent, _key) in table.references.items():
        value = record.get(name)
        if value is not None:
            if value not in given.get(parent, {}):
                raise DataProblem(
                    f"http sink: {where}: {name} refers to {parent} {value!r}, "
                    "which was not created"
                )
            record[name] = given[parent][value]
    return record


def _delete(api: Api, created: Created) -> str:
    """Delete ``created``, newest first; what could not be deleted, as a clause ('' if all)."""
    failed = []
    for _entity, url in reversed(created):
        try:
            api.delete(url)
        except ApiError as error:
            failed.append(str(error))
    return f"; {len(failed)} created records could not be deleted: {failed[0]}" if failed else ""


def _post(data: GeneratedData, config: Settings, created: Created) -> None:
    """POST every row of ``data``, appending each record made to ``created``."""
    given: dict[str, dict[Any, Any]] = {}
    for table in data.tables:
        path, ids = config.path(table.entity), given.setdefault(table.entity, {})
        for number, row in enumerate(table.rows(), start=1):
            where = f"{table.entity} row {number}"
            try:
                made, location = config.api.post(
                    path, _record(table, row, given, where, config.id_field)
                )
            except ApiError as error:
                raise DataProblem(f"http sink: {where}: {error}") from error
            new = made.get(config.id_field)
            if new is None and location:
                created.append((table.entity, location))
            if new is None:
                raise DataProblem(
                    f"http sink: {where}: the answer to POST {config.api.url(path)} "
                    f"has no {config.id_field!r}; set the option id_field"
                    + ("" if location else " (the record it made, if any, has no URL to delete)")
                )
            url = location or config.api.url(f"{path}/{urllib.parse.quote(str(new))}")
            created.append((table.entity, url))
            if table.key is not None:
                ids[row[table.key]] = new


def _load(data: GeneratedData, config: Settings) -> Created:
    """Every row POSTed, or none left: a failure deletes what was created and raises."""
    created: Created = []
    try:
        _post(data, config, created)
    except DataProblem as problem:
        raise DataProblem(str(problem) + _delete(config.api, created)) from problem
    return created


class HttpSink:
    """Loads a dataset by POSTing its rows to an application's API."""

    PLUGIN_NAME: ClassVar[str] = "http"
    OPTIONS: ClassVar[Mapping[str, str]] = OPTIONS

    def __init__(self) -> None:
        self._loads: dict[str, _Load] = {}

    def load(self, data: GeneratedData, target: SinkTarget) -> Loaded:
        config = settings(target.options)
        place = f"orch_{target.owner}_{data.dataset}@{config.api.base}"
        if place in self._loads:
            self.remove(Loaded(target, data.version, place, config.api.base))
        self._loads[place] = _Load(data, target, _load(data, config))
        entities = tuple(t.entity for t in data.tables)
        return Loaded(target, data.version, place, config.api.base, entities)

    def copy(self, loaded: Loaded, name: str) -> DataCopy:
        raise DataProblem(
            f"http sink: the API at {loaded.address} cannot be copied for {name!r}; "
            "its data is shared by every worker (give the dataset copy: run)"
        )

    def reset(self, copy: DataCopy) -> None:
        load = self._known(copy.place)
        config = settings(load.target.options)
        left = _delete(config.api, load.created)
        if left:
            raise DataProblem(f"http sink: cannot reset {copy.place}{left}")
        load.created = []
        load.created = _load(load.data, config)

    def remove(self, place: Loaded | DataCopy) -> None:
        if isinstance(place, DataCopy) and place.place == place.loaded.place:
            return  # the shared data: removed with the loaded data
        load = self._loads.pop(place.place, None)
        if load is not None:
            left = _delete(settings(load.target.options).api, load.created)
            if left:
                raise DataProblem(f"http sink: removing {place.place}{left}")

    def read(self, place: Loaded | DataCopy) -> dict[str, list[dict[str, Any]]]:
        load = self._known(place.place)
        api = settings(load.target.options).api
        rows: dict[str, list[dict[str, Any]]] = {t.entity: [] for t in load.data.tables}
        for entity, url in load.created:
            try:
                record = api.get(url)
            except ApiError as error:
                raise DataProblem(f"http sink: reading {entity}: {error}") from error
            if record is not None:
                rows[entity].append(record)
        return rows

    def leftovers(self, options: Mapping[str, str], alive: Callable[[str], bool]) -> list[str]:
        settings(options)
        return []

    def _known(self, place: str) -> _Load:
        load = self._loads.get(place)
        if load is None:
            raise DataProblem(
                f"http sink: nothing loaded at {place} by this orch (removed, or loaded by another)"
            )
        return load
