"""The PostgreSQL SqlProbe against a real server (tests/helpers/pg_server.py): a wait sees a row
committed by another connection, cannot write, and a server that refuses it is a failed check
whose line holds no password."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from pg_server import PASSWORD, unused_url

from orch.adapters.postgres.sql_probe import PostgresSqlProbe
from orch.core.run.conditions import Waiting
from orch.core.shared.condition_spec import conditions_from, resolved
from orch.ports.conditions import SqlProbe, SqlProbeError


@pytest.fixture
def payments(base_db: str) -> str:
    with psycopg.connect(base_db, autocommit=True) as connection:
        connection.execute("CREATE TABLE payments (id int PRIMARY KEY, state text)")
    return base_db


def finished(waiting: Waiting, within: float = 10.0) -> str | None:
    deadline = time.monotonic() + within
    while not waiting.done():
        assert time.monotonic() < deadline, "the wait did not end"
        time.sleep(0.01)
    return waiting.problem


def test_a_row_inserted_by_another_connection_ends_the_wait(payments: str) -> None:
    conditions = conditions_from(
        {
            "sql": "select state from payments where id = 42",
            "dsn_env": "PAYMENTS_DSN",
            "equals": "settled",
            "timeout": 10,
            "interval": 0.05,
        },
        "wait_for",
    )
    waiting = Waiting(resolved(conditions, {"PAYMENTS_DSN": payments}), PostgresSqlProbe())
    waiting.start()

    settling: list[float] = []

    def pay() -> None:
        with psycopg.connect(payments, autocommit=True) as connection:
            connection.execute("INSERT INTO payments VALUES (42, 'pending')")
            time.sleep(0.2)
            settling.append(time.monotonic())
            connection.execute("UPDATE payments SET state = 'settled' WHERE id = 42")

    writer = threading.Timer(0.2, pay)
    writer.start()
    time.sleep(0.1)
    assert not waiting.done()
    assert finished(waiting) is None
    assert time.monotonic() > settling[0]  # a pending row did not end it
    writer.join()


def test_the_probe_returns_rows_and_is_a_sql_probe(payments: str) -> None:
    probe = PostgresSqlProbe()
    assert isinstance(probe, SqlProbe)
    with psycopg.connect(payments, autocommit=True) as connection:
        connection.execute("INSERT INTO payments VALUES (1, 'a%'), (2, 'b')")
    assert probe.rows(payments, "select id, state from payments order by id") == [
        (1, "a%"),
        (2, "b"),
    ]
    assert probe.rows(payments, "select id from payments where state like 'a%'") == [(1,)]


def test_a_wait_only_reads(payments: str) -> None:
    with pytest.raises(SqlProbeError) as raised:
        PostgresSqlProbe().rows(payments, "INSERT INTO payments VALUES (7, 'forged')")
    assert str(raised.value) == "cannot execute INSERT in a read-only transaction"
    with psycopg.connect(payments) as connection:
        assert connection.execute("select count(*) from payments").fetchone() == (0,)


def test_a_query_that_fails_or_a_server_that_refuses_is_one_line_without_the_password(
    payments: str,
) -> None:
    probe = PostgresSqlProbe()
    with pytest.raises(SqlProbeError, match=r'^relation "orders" does not exist$'):
        probe.rows(payments, "select 1 from orders")
    wrong = payments.replace(PASSWORD, "not-" + PASSWORD)
    with pytest.raises(SqlProbeError) as raised:
        probe.rows(wrong, "select 1")
    assert "password authentication failed" in str(raised.value)
    assert PASSWORD not in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(SqlProbeError, match="neither a postgresql:// URL nor key=value pairs"):
        probe.rows(f"host=127.0.0.1 password={PASSWORD} dbname", "select 1")


def test_a_server_that_is_down_times_the_wait_out_with_its_url_masked() -> None:
    down = unused_url()
    conditions = conditions_from(
        {"sql": "select 1", "dsn": "${DB_URL}", "timeout": 0.3, "interval": 0.05}, "wait_for"
    )
    waiting = Waiting(resolved(conditions, {"DB_URL": down}), PostgresSqlProbe()).start()
    problem = finished(waiting)
    assert problem is not None
    assert problem.startswith("sql 'select 1' on postgresql://orch:***@127.0.0.1:")
    assert "Connection refused" in problem and problem.endswith(" for 0.3s")
    assert PASSWORD not in problem
