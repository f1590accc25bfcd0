from decimal import Decimal

import pytest

from payment import minor_units, round_to_minor_unit


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("usd", 2), ("JPY", 0), ("KRW", 0)])
def test_minor_units(currency, places):
    assert minor_units(currency) == places


def test_unknown_currency_is_rejected():
    with pytest.raises(ValueError, match="unsupported currency: 'XYZ'"):
        minor_units("XYZ")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "EUR", "10.00"),  # half to even
        ("10.015", "EUR", "10.02"),
        ("1234.5", "JPY", "1234"),
        ("1235.5", "JPY", "1236"),
    ],
)
def test_round_to_minor_unit(amount, currency, expected):
    assert round_to_minor_unit(Decimal(amount), currency) == Decimal(expected)
