"""Shared fixtures: a fresh processor per test, a customer who has already paid, and the
address of the ledger database orch provides."""

import os
from decimal import Decimal

import pytest

from payment import PaymentProcessor


@pytest.fixture
def processor():
    """A processor with the default 2.9 % fee and no charges yet."""
    return PaymentProcessor()


@pytest.fixture
def paid_order(processor):
    """A captured EUR 120.00 charge for customer ``alice``."""
    return processor.charge("alice", Decimal("120.00"), "EUR")


@pytest.fixture
def database_url():
    """The ledger database orch handed this worker (``DATABASE_URL``: its own copy, with the
    customers orch generated in it)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.skip("needs DATABASE_URL: run it with `orch run contrib/demo`, which provides one")
    return url


@pytest.fixture
def headers():
    """The headers of the service's calls; a flow step gets its customer's token added here as
    ``Authorization`` (``data_flow`` in orch.yaml)."""
    return {"Accept": "application/json", "Content-Type": "application/json"}
