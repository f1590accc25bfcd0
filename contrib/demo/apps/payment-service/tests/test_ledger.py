"""The ledger in a real PostgreSQL, which orch provisions with ``schema/ledger.sql`` loaded and
hands over as ``DATABASE_URL``; the exchange rates from the fx-rates container, ``FX_URL``."""

import json
import os
import urllib.request
from decimal import Decimal

import pytest

from payment.currency import round_to_minor_unit

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def database(database_url):
    """A connection to the ledger database, rolled back after the test."""
    with psycopg.connect(database_url) as connection:
        yield connection
        connection.rollback()


@pytest.fixture
def rates():
    """Today's exchange rates, from the fx-rates service."""
    url = os.environ.get("FX_URL")
    if not url:
        pytest.skip("needs FX_URL: run it with `orch run contrib/demo`, which provides one")
    with urllib.request.urlopen(f"{url}/rates.json", timeout=5) as answer:
        return {code: Decimal(rate) for code, rate in json.load(answer)["rates"].items()}


def test_the_schema_knows_each_currency_s_minor_units(database):
    rows = database.execute("select code, minor_units from currencies order by code").fetchall()
    assert rows == [("EUR", 2), ("JPY", 0), ("USD", 2)]


def test_a_charge_is_stored_in_minor_units(database):
    database.execute(
        "insert into ledger (customer, kind, amount_minor, currency) values (%s, %s, %s, %s)",
        ("alice", "charge", 12000, "EUR"),
    )
    [(total,)] = database.execute(
        "select sum(amount_minor) from ledger where customer = 'alice'"
    ).fetchall()
    assert total == 12000


def test_a_refund_of_nothing_is_refused_by_the_ledger(database):
    with pytest.raises(psycopg.errors.CheckViolation):
        database.execute(
            "insert into ledger (customer, kind, amount_minor, currency) values (%s, %s, %s, %s)",
            ("bob", "refund", 0, "EUR"),
        )


def test_a_euro_amount_converts_to_whole_yen(rates):
    yen = round_to_minor_unit(Decimal("12.00") * rates["JPY"], "JPY")
    assert yen == Decimal("1948")
