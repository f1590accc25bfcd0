"""The customers and their payment methods that orch generated (``test_data: payments-data`` in
``orch.yaml``) and loaded into the ledger's PostgreSQL: each worker has a database of its own,
cloned from the loaded one and reset to it before another shard of tests takes it, so a test
may change what it likes."""

import pytest

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def database(database_url):
    """This worker's own copy of the ledger with the generated customers in it."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


def test_every_customer_has_one_to_three_payment_methods(database):
    counts = database.execute(
        "select count(m.id) from users u left join payment_methods m on m.user_id = u.id "
        "group by u.id"
    ).fetchall()
    assert len(counts) == 50
    assert {count for (count,) in counts} <= {1, 2, 3}


def test_payment_methods_are_of_the_known_types(database):
    kinds = {kind for (kind,) in database.execute("select type from payment_methods")}
    assert kinds <= {"credit_card", "paypal", "bank_transfer"}


def test_emails_are_unique(database):
    [(emails, distinct)] = database.execute(
        "select count(email), count(distinct email) from users"
    ).fetchall()
    assert emails == distinct == 50


def test_a_test_may_delete_customers_on_its_own_copy(database):
    database.execute("delete from payment_methods")
    database.execute("delete from users")
    [(left,)] = database.execute("select count(*) from users").fetchall()
    assert left == 0
    [(name,)] = database.execute("select current_database()").fetchall()
    assert name.startswith("orch_"), "each worker reads a copy orch made, never the original"
