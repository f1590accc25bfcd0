from decimal import Decimal

import pytest

from payment import PaymentError


def test_charge_is_captured(processor):
    charge = processor.charge("bob", "49.90", "EUR")
    assert charge.status == "captured"
    assert charge.amount == Decimal("49.90")
    assert processor.charges[charge.id] is charge


def test_charge_rounds_to_currency(processor):
    assert processor.charge("bob", "999.6", "JPY").amount == Decimal("1000")


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.001"])
def test_non_positive_charge_is_refused(processor, amount):
    with pytest.raises(PaymentError, match="must be positive"):
        processor.charge("bob", amount, "EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "fee"),
    [("120.00", "EUR", "3.48"), ("10.00", "USD", "0.29"), ("5000", "JPY", "145")],
)
def test_fee(processor, amount, currency, fee):
    charge = processor.charge("bob", amount, currency)
    assert processor.fee(charge.id) == Decimal(fee)


def test_balance_counts_only_the_customers_currency(processor, paid_order):
    processor.charge("alice", "30.00", "USD")
    processor.charge("carol", "15.00", "EUR")
    assert processor.balance("alice", "EUR") == Decimal("120.00")
