from decimal import Decimal

import pytest

from payment import PaymentError


def test_full_refund(processor, paid_order):
    refund = processor.refund(paid_order.id, reason="order cancelled")
    assert refund.amount == Decimal("120.00")
    assert paid_order.status == "refunded"
    assert processor.balance("alice", "EUR") == 0


def test_partial_refunds_add_up(processor, paid_order):
    processor.refund(paid_order.id, "20.00")
    processor.refund(paid_order.id, "0.50")
    assert paid_order.status == "partially_refunded"
    assert paid_order.refundable == Decimal("99.50")


def test_over_refund_is_refused(processor, paid_order):
    processor.refund(paid_order.id, "100.00")
    with pytest.raises(PaymentError, match="only 20.00 left"):
        processor.refund(paid_order.id, "20.01")


def test_refund_of_unknown_charge(processor):
    with pytest.raises(PaymentError, match="unknown charge 'ch_404'"):
        processor.refund("ch_404")


@pytest.mark.parametrize(
    ("amount", "currency", "percent", "expected"),
    [
        ("19.99", "USD", "15", "3.00"),
        ("120.00", "EUR", "33.3", "39.96"),
        ("1999", "JPY", "15", "300"),
    ],
    ids=["USD", "EUR", "JPY"],
)
def test_percent_refund_is_rounded_to_minor_unit(processor, amount, currency, percent, expected):
    """A goodwill refund of a percentage must be an amount the currency can actually pay out."""
    charge = processor.charge("dave", amount, currency)
    refund = processor.refund_percent(charge.id, percent)
    assert refund.amount == Decimal(expected)
