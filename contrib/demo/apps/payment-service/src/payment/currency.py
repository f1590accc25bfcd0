"""Currencies the service accepts and how amounts are rounded in each (ISO 4217 minor units)."""

from decimal import ROUND_HALF_EVEN, Decimal

MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "JPY": 0, "KRW": 0}


def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency`` (2 for EUR, 0 for JPY)."""
    try:
        return MINOR_UNITS[currency.upper()]
    except KeyError:
        raise ValueError(f"unsupported currency: {currency!r}") from None


def round_to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to the smallest unit of ``currency``, half to even (banker's rounding)."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_EVEN)
