"""The PostgreSQL sink passes the DataSink contract against a real server.

One difference is stated here rather than hidden: PostgreSQL keeps a timestamp's instant, not
the offset it was written with, so the rows expected have their timestamps in UTC.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
import pytest
from attrs import evolve

from orch.adapters.postgres.sink import PostgresSink
from orch.ports.data import DataCopy, GeneratedData
from orch.testing.data_sink_contracts import (
    Broken,
    DataSinkContract,
    as_rows,
    sample_data,
    with_value,
)


def in_utc(data: GeneratedData) -> GeneratedData:
    """``data`` with each timestamp written as the same instant in UTC."""

    def utc(value: Any) -> Any:
        if value is None:
            return None
        return datetime.datetime.fromisoformat(value).astimezone(datetime.UTC).isoformat()

    def column(c: Any) -> Any:
        return evolve(c, values=[utc(v) for v in c.values]) if c.type == "timestamp" else c

    tables = tuple(evolve(t, columns=tuple(column(c) for c in t.columns)) for t in data.tables)
    return evolve(data, tables=tables)


class TestPostgresSinkContract(DataSinkContract):
    def _check(
        self, read: dict[str, list[dict[str, Any]]], data: GeneratedData | None = None
    ) -> None:
        assert read == as_rows(in_utc(data or sample_data()))

    @pytest.fixture
    def options(self, base_db: str) -> Mapping[str, str]:
        return {"url": base_db}

    @pytest.fixture
    def broken(self, options: Mapping[str, str]) -> Broken:
        return Broken(
            with_value(sample_data(), "payments", "amount", 2, "not a number"), options, "payments"
        )

    @pytest.fixture
    def mutate(self) -> Callable[[DataCopy], None]:
        def change(copy: DataCopy) -> None:
            with psycopg.connect(copy.address) as connection:
                connection.execute("DELETE FROM payments WHERE id = 1")
                connection.execute("UPDATE users SET email = 'changed@example.com' WHERE age = 0")

        return change

    @pytest.fixture
    def residue(self, pg_url: str) -> Callable[[Mapping[str, str]], list[str]]:
        def now(options: Mapping[str, str]) -> list[str]:
            base = options["url"].rsplit("/", 1)[1]
            ours = (
                "SELECT datname FROM pg_database WHERE datname LIKE 'orch\\_%%'"
                " AND shobj_description(oid, 'pg_database') LIKE %s"
            )
            with psycopg.connect(pg_url) as connection:
                found = connection.execute(ours, [f'%"from": "{base}"%']).fetchall()
            with psycopg.connect(options["url"]) as connection:
                tables = connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            return sorted([f"db {r[0]}" for r in found] + [f"table {r[0]}" for r in tables])

        return now


def test_the_sink_is_registered_as_postgres() -> None:
    from orch.adapters.postgres import plugin

    assert plugin.orch_register_data_sinks() == [PostgresSink]
