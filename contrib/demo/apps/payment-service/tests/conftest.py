"""Shared fixtures: a fresh processor per test and a customer who has already paid."""

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
