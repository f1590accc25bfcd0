"""The PostgreSQL sink against a real server: the types it creates, a schema the environment
loaded kept and loaded into, keys, a rejected row rolling everything back, a server that is
down, and the names it gives databases read back to their owner."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from pg_server import PASSWORD, unused_url

from orch.adapters.postgres import names
from orch.adapters.postgres.sink import PostgresSink
from orch.ports.data import SinkTarget
from orch.ports.errors import DataProblem
from orch.testing.data_sink_contracts import sample_data


def _target(url: str, owner: str = "20261203-010203-ab12") -> SinkTarget:
    return SinkTarget("postgres", {"url": url}, owner)


def _types(url: str, table: str) -> dict[str, str]:
    query = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s"
    with psycopg.connect(url) as connection:
        return dict(connection.execute(query, [table]).fetchall())  # type: ignore[arg-type]


def test_missing_tables_are_created_with_mapped_types_keys_and_references(
    sink: PostgresSink, base_db: str
) -> None:
    loaded = sink.load(sample_data(), _target(base_db))
    try:
        assert loaded.place == "orch_20261203-010203-ab12_contract"
        assert _types(loaded.address, "users") == {
            "id": "uuid",
            "email": "text",
            "age": "bigint",
            "balance": "numeric",
            "active": "boolean",
            "created": "timestamp with time zone",
            "birthday": "date",
            "prefs": "jsonb",
        }
        with psycopg.connect(loaded.address) as connection:
            keys = connection.execute(
                "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid)"
                " FROM pg_constraint"
                " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
            ).fetchall()
            with pytest.raises(psycopg.errors.ForeignKeyViolation):
                connection.execute("UPDATE payments SET method_id = gen_random_uuid() WHERE id = 1")
        assert ("payments", "f", "FOREIGN KEY (method_id) REFERENCES payment_methods(id)") in keys
        assert ("users", "p", "PRIMARY KEY (id)") in keys
    finally:
        sink.remove(loaded)


def test_an_existing_schema_is_kept_and_its_column_types_used(
    sink: PostgresSink, base_db: str
) -> None:
    with psycopg.connect(base_db) as connection:
        connection.execute(
            "CREATE TABLE payment_methods (serial_no bigserial, id uuid PRIMARY KEY, user_id uuid,"
            " kind varchar(10) NOT NULL, \"limit\" numeric(12, 2), note text DEFAULT 'kept')"
        )
    loaded = sink.load(sample_data(), _target(base_db))
    try:
        assert _types(loaded.address, "payment_methods")["kind"] == "character varying"
        with psycopg.connect(loaded.address) as connection:
            extra = connection.execute(
                "SELECT serial_no, note FROM payment_methods ORDER BY serial_no"
            ).fetchall()
        assert extra == [(n, "kept") for n in range(1, 7)]
        methods = sink.read(loaded)["payment_methods"]
        assert [m["limit"] for m in methods] == [
            "500.00",
            None,
            "0.10",
            "99999999.99",
            None,
            "1.00",
        ]
    finally:
        sink.remove(loaded)


def test_a_rejected_row_leaves_nothing_half_loaded(
    sink: PostgresSink, base_db: str, databases: Callable[[], list[str]]
) -> None:
    with psycopg.connect(base_db) as connection:
        connection.execute(
            "CREATE TABLE payment_methods"
            ' (id uuid PRIMARY KEY, user_id uuid, kind varchar(4), "limit" numeric)'
        )
    before = databases()
    with pytest.raises(DataProblem) as error:
        sink.load(sample_data(), _target(base_db))
    message = str(error.value)
    assert (
        "entity payment_methods" in message
        and "value too long for type character varying(4)" in message
    )
    assert "line 5" in message and "\n" not in message
    assert databases() == before
    with psycopg.connect(base_db) as connection:
        assert connection.execute("SELECT count(*) FROM payment_methods").fetchone() == (0,)
        assert connection.execute("SELECT to_regclass('users')").fetchone() == (None,)


def test_a_server_that_is_down_is_one_line_saying_where_without_the_password(
    sink: PostgresSink,
) -> None:
    url = unused_url()
    with pytest.raises(DataProblem) as error:
        sink.load(sample_data(), _target(url))
    message = str(error.value)
    port = url.rsplit(":", 1)[1].split("/")[0]
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{port}" in message
    assert "start the server or fix the sink's url" in message
    assert PASSWORD not in message and "\n" not in message


def test_a_wrong_password_is_reported_without_it(sink: PostgresSink, base_db: str) -> None:
    url = base_db.replace(PASSWORD, "wrong-Pw-123")
    with pytest.raises(DataProblem) as error:
        sink.load(sample_data(), _target(url))
    assert "password authentication failed" in str(error.value)
    assert "wrong-Pw-123" not in str(error.value)


@pytest.mark.parametrize("owner", ["20261203-010203-ab12", "data-ledger_v2", "Zoë run 7"])
def test_a_name_gives_back_its_owner(owner: str) -> None:
    template = names.template(owner, "Ledger Main")
    assert names.owner_of(template) == owner
    assert names.owner_of(names.copy(template, "w3")) == owner
    assert names.owner_of("orders") is None


def test_long_names_fit_postgres_and_stay_distinct() -> None:
    first = names.copy(names.template("data-x", "d" * 80), "w1")
    second = names.copy(names.template("data-x", "d" * 80), "w2")
    assert len(first.encode()) <= 63 and len(second.encode()) <= 63 and first != second
    assert names.owner_of(first) == "data-x"


def test_reset_restores_rows_deleted_and_updated(sink: PostgresSink, base_db: str) -> None:
    loaded = sink.load(sample_data(), _target(base_db))
    try:
        copy = sink.copy(loaded, "w0")
        as_loaded = sink.read(copy)
        with psycopg.connect(copy.address) as connection:
            connection.execute("DELETE FROM payments")
            connection.execute("UPDATE users SET age = 99")
            # a session left open, as a test's application keeps one
            idle = psycopg.connect(copy.address)
        sink.reset(copy)
        idle.close()
        assert sink.read(copy) == as_loaded
    finally:
        sink.remove(loaded)
