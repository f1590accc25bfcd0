"""The contract every ``DataSink`` passes: the fake, the file and SQLite sinks, PostgreSQL, HTTP.

Sinks differ in where the rows go, but core relies on the same promises from each: a load is
all or nothing, a read gives back exactly what was loaded, copies are independent and reset to
the loaded version, removal is idempotent and what a dead owner left is found again. This module
states those promises once, as a test class a sink's tests subclass.

A subclass gives five fixtures:

- ``sink``: the adapter;
- ``options``: the sink's options of a fresh, empty place for this test (a folder, a database
  server's URL, the base URL of a test API);
- ``broken``: a ``Broken``: data and options whose load must fail part-way, after the first
  entity was written (a row the target refuses, a table the sink must reject), and the entity
  the ``DataProblem`` names;
- ``mutate``: changes what a ``DataCopy`` holds (a row changed or deleted), as a test would;
- ``residue``: what is at ``options``'s place now, as sorted strings (files, tables, records),
  to check that a failed load or a removal leaves nothing.

Class flags say what a sink cannot do: ``COPIES = False`` (its ``copy`` raises ``DataProblem``;
core shares the loaded data, as the ``shared`` copy here), ``ASSIGNS_KEYS = True`` (the place
gives rows their own keys, as an API does: read compares the other fields and checks every
reference follows the keys given), ``FINDS_LEFTOVERS = False`` (nothing of a dead owner can be
found at the place).

``sample_data()`` builds the dataset every test loads; ``with_value`` puts a bad value in one
row of it (for ``broken``); ``shared(loaded)`` is the copy core uses when a sink cannot copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import pytest
from attrs import evolve, frozen

from orch.ports.data import (
    COLUMN_TYPES,
    Column,
    DataCopy,
    DataSink,
    GeneratedData,
    Loaded,
    SinkTarget,
    Table,
)
from orch.ports.errors import DataProblem

Rows = dict[str, list[dict[str, Any]]]
Mutate = Callable[[DataCopy], None]
Residue = Callable[[Mapping[str, str]], list[str]]


@frozen
class Broken:
    """A load that must fail part-way: its data, the options, the entity the error names."""

    data: GeneratedData
    options: Mapping[str, str]
    entity: str


def _id(entity: int, row: int) -> str:
    return str(uuid.UUID(int=(entity << 64) + row + 1))


def sample_data(version: str = "v-contract") -> GeneratedData:
    """Three entities that refer to one another (``users`` <- ``payment_methods`` <-
    ``payments``), with every type of ``COLUMN_TYPES`` and nulls: small enough to read in a
    failure, awkward enough (unicode, commas, quotes, line breaks, exact decimals, nested JSON)
    to catch a sink that does not round-trip a value."""
    users = Table(
        "users",
        (
            Column("id", "uuid", [_id(0, i) for i in range(4)]),
            Column(
                "email", "text", ["zoë@example.com", 'a,"b"@example.com', "x\ny@ex.com", "d\u2028e"]
            ),
            Column("age", "int", [31, None, 0, -7]),
            Column("balance", "decimal", ["12.50", "-0.01", None, "1000000.000"]),
            Column("active", "bool", [True, False, None, True]),
            Column(
                "created",
                "timestamp",
                [
                    "2026-03-04T05:06:07+00:00",
                    "2026-03-04T05:06:07.123456+02:00",
                    None,
                    "2025-12-31T23:59:59+00:00",
                ],
            ),
            Column("birthday", "date", ["1990-01-31", None, "2000-02-29", "1970-01-01"]),
            Column("prefs", "json", [{"a": [1, 2], "b": None}, [], None, {"n": {"x": "ÿ"}}]),
        ),
        key="id",
    )
    owners = [0, 0, 1, 3, 3, 3]
    methods = Table(
        "payment_methods",
        (
            Column("id", "uuid", [_id(1, i) for i in range(6)]),
            Column("user_id", "uuid", [_id(0, o) for o in owners]),
            Column("kind", "text", ["card", "iban", "card", "card", "wallet", "iban"]),
            Column("limit", "decimal", ["500.00", None, "0.10", "99999999.99", None, "1"]),
        ),
        key="id",
        references={"user_id": ("users", "id")},
    )
    payments = Table(
        "payments",
        (
            Column("id", "int", [1, 2, 3, 4, 5]),
            Column("method_id", "uuid", [_id(1, m) for m in (0, 0, 2, 5, 4)]),
            Column("amount", "decimal", ["9.99", "0.01", "120.00", "3.50", "7"]),
            Column("paid", "bool", [True, True, False, True, False]),
            Column(
                "paid_at",
                "timestamp",
                ["2026-01-01T00:00:00+00:00", None, "2026-01-02T10:00:00-05:00", None, None],
            ),
            Column("meta", "json", [None, {"tags": ["a", "b"]}, [1, "two", 3.5], {}, None]),
        ),
        key="id",
        references={"method_id": ("payment_methods", "id")},
    )
    data = GeneratedData("contract", version, 7, (users, methods, payments))
    assert {c.type for t in data.tables for c in t.columns} == set(COLUMN_TYPES)
    return data


def with_value(data: GeneratedData, entity: str, field: str, row: int, value: Any) -> GeneratedData:
    """``data`` with ``value`` at row ``row`` (from 1) of ``entity``'s ``field``: a bad row for
    a ``broken`` fixture."""
    table = data.table(entity)
    values = list(table.column(field).values)
    values[row - 1] = value
    columns = tuple(evolve(c, values=values) if c.name == field else c for c in table.columns)
    tables = tuple(evolve(t, columns=columns) if t.entity == entity else t for t in data.tables)
    return evolve(data, tables=tables)


def as_rows(data: GeneratedData) -> Rows:
    """``data`` as ``DataSink.read`` gives it: rows by entity, in order."""
    return {t.entity: list(t.rows()) for t in data.tables}


def shared(loaded: Loaded) -> DataCopy:
    """The copy core uses when a sink cannot copy: the loaded data itself, shared."""
    return DataCopy(loaded, "shared", loaded.place, loaded.address)


def _same_except_keys(data: GeneratedData, read: Rows) -> None:
    """``read`` holds ``data``'s rows with the keys the place gave and references that follow
    them: row i of a child refers to the read key of the row its generated one referred to."""
    given: dict[str, dict[Any, Any]] = {}
    for table in data.tables:
        rows = read[table.entity]
        assert len(rows) == len(table), table.entity
        skip = {table.key, *table.references}
        for expected, got in zip(table.rows(), rows, strict=True):
            assert {k: v for k, v in got.items() if k not in skip} == {
                k: v for k, v in expected.items() if k not in skip
            }, table.entity
            for name, (parent, _key) in table.references.items():
                want = given[parent].get(expected[name]) if expected[name] is not None else None
                assert got[name] == want, f"{table.entity}.{name}"
        if table.key is not None:
            keys = [r[table.key] for r in rows]
            assert None not in keys and len(set(map(str, keys))) == len(keys), table.entity
            given[table.entity] = dict(zip(table.column(table.key).values, keys, strict=True))


class DataSinkContract:
    """What every ``DataSink`` must do."""

    COPIES: ClassVar[bool] = True
    ASSIGNS_KEYS: ClassVar[bool] = False
    FINDS_LEFTOVERS: ClassVar[bool] = True

    @pytest.fixture
    def owner(self) -> str:
        return "contract-" + uuid.uuid4().hex[:8]

    @pytest.fixture
    def loaded(self, sink: DataSink, options: Mapping[str, str], owner: str) -> Iterator[Loaded]:
        loaded = sink.load(sample_data(), SinkTarget(sink.PLUGIN_NAME, options, owner))
        try:
            yield loaded
        finally:
            sink.remove(loaded)

    def _copy(self, sink: DataSink, loaded: Loaded, name: str) -> DataCopy:
        return sink.copy(loaded, name) if self.COPIES else shared(loaded)

    def _check(self, read: Rows, data: GeneratedData | None = None) -> None:
        data = data or sample_data()
        if self.ASSIGNS_KEYS:
            _same_except_keys(data, read)
        else:
            assert read == as_rows(data)

    def test_it_is_a_data_sink_that_documents_its_options(
        self, sink: DataSink, options: Mapping[str, str]
    ) -> None:
        assert isinstance(sink, DataSink)
        assert sink.PLUGIN_NAME and isinstance(sink.PLUGIN_NAME, str)
        assert set(options) <= set(sink.OPTIONS)
        assert all(isinstance(text, str) and text for text in sink.OPTIONS.values())

    def test_load_then_read_gives_every_row_in_order_with_every_type_round_tripped(
        self, sink: DataSink, loaded: Loaded, owner: str
    ) -> None:
        assert loaded.version == "v-contract"
        assert loaded.target.owner == owner
        assert loaded.entities == ("users", "payment_methods", "payments")
        assert loaded.place and loaded.address
        read = sink.read(loaded)
        assert list(read) == list(loaded.entities)
        self._check(read)

    def test_a_failing_load_raises_naming_the_entity_and_leaves_nothing(
        self, sink: DataSink, broken: Broken, residue: Residue, owner: str
    ) -> None:
        before = residue(broken.options)
        target = SinkTarget(sink.PLUGIN_NAME, broken.options, owner)
        with pytest.raises(DataProblem) as error:
            sink.load(broken.data, target)
        assert broken.entity in str(error.value)
        assert residue(broken.options) == before
        if self.FINDS_LEFTOVERS:
            assert sink.leftovers(broken.options, lambda _owner: False) == []

    def test_after_a_failing_load_the_same_place_loads(
        self,
        sink: DataSink,
        broken: Broken,
        options: Mapping[str, str],
        owner: str,
    ) -> None:
        with pytest.raises(DataProblem):
            sink.load(broken.data, SinkTarget(sink.PLUGIN_NAME, broken.options, owner))
        loaded = sink.load(sample_data(), SinkTarget(sink.PLUGIN_NAME, options, owner))
        try:
            self._check(sink.read(loaded))
        finally:
            sink.remove(loaded)

    def test_a_copy_reads_as_loaded(self, sink: DataSink, loaded: Loaded) -> None:
        copy = self._copy(sink, loaded, "w0")
        assert copy.loaded == loaded
        assert copy.name == ("w0" if self.COPIES else "shared")
        assert copy.place and copy.address
        assert sink.read(copy) == sink.read(loaded)

    def test_copies_are_independent_or_refused_with_data_problem(
        self, sink: DataSink, loaded: Loaded, mutate: Mutate
    ) -> None:
        if not self.COPIES:
            with pytest.raises(DataProblem):
                sink.copy(loaded, "w0")
            return
        first, second = sink.copy(loaded, "w0"), sink.copy(loaded, "w1")
        assert len({first.place, second.place, loaded.place}) == 3
        assert len({first.address, second.address, loaded.address}) == 3
        before = sink.read(loaded)
        mutate(first)
        assert sink.read(first) != before
        assert sink.read(second) == before
        assert sink.read(loaded) == before

    def test_reset_puts_a_copy_back_as_loaded(
        self, sink: DataSink, loaded: Loaded, mutate: Mutate
    ) -> None:
        copy = self._copy(sink, loaded, "w0")
        before = sink.read(copy)
        mutate(copy)
        assert sink.read(copy) != before
        for _again in range(2):
            sink.reset(copy)
            if self.ASSIGNS_KEYS:  # loaded again: the place gave new keys
                self._check(sink.read(copy))
            else:
                assert sink.read(copy) == before

    def test_remove_is_idempotent_and_removing_the_loaded_data_removes_its_copies(
        self,
        sink: DataSink,
        options: Mapping[str, str],
        owner: str,
        residue: Residue,
    ) -> None:
        empty = residue(options)
        loaded = sink.load(sample_data(), SinkTarget(sink.PLUGIN_NAME, options, owner))
        assert residue(options) != empty
        if self.COPIES:
            dropped, kept = sink.copy(loaded, "w0"), sink.copy(loaded, "w1")
            sink.remove(dropped)
            sink.remove(dropped)
            with pytest.raises(DataProblem):
                sink.read(dropped)
            assert sink.read(kept) == sink.read(loaded)
        sink.remove(loaded)
        sink.remove(loaded)
        assert residue(options) == empty
        with pytest.raises(DataProblem):
            sink.read(loaded)

    def test_leftovers_removes_a_dead_owner_s_and_keeps_a_live_one_s(
        self, sink: DataSink, options: Mapping[str, str], owner: str
    ) -> None:
        dead_owner = owner + "-dead"
        dead = sink.load(sample_data(), SinkTarget(sink.PLUGIN_NAME, options, dead_owner))
        live = sink.load(sample_data(), SinkTarget(sink.PLUGIN_NAME, options, owner))
        try:
            if not self.FINDS_LEFTOVERS:  # as it says: it finds nothing, removes nothing
                assert sink.leftovers(options, lambda who: who == owner) == []
                self._check(sink.read(dead))
                return
            if self.COPIES:
                sink.copy(dead, "w0")
                kept = sink.copy(live, "w0")
            removed = sink.leftovers(options, lambda who: who == owner)
            assert removed and all(isinstance(place, str) for place in removed)
            assert dead.place in removed
            with pytest.raises(DataProblem):
                sink.read(dead)
            self._check(sink.read(live))
            if self.COPIES:
                assert sink.read(kept) == sink.read(live)
            assert sink.leftovers(options, lambda who: who == owner) == []
        finally:
            sink.remove(dead)
            sink.remove(live)
