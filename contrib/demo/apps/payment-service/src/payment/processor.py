"""Charges cards and refunds charges, keeping amounts in each currency's minor unit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from payment.currency import minor_units, round_to_minor_unit

CENT = Decimal("0.01")


class PaymentError(Exception):
    """A charge or refund the processor refuses (bad amount, unknown charge, over-refund)."""


@dataclass
class Refund:
    """Money given back on a charge."""

    id: str
    charge_id: str
    amount: Decimal
    reason: str = ""


@dataclass
class Charge:
    """Money taken from a customer's card, and what has been refunded on it since."""

    id: str
    customer: str
    amount: Decimal
    currency: str
    refunds: list[Refund] = field(default_factory=list)

    @property
    def refunded(self) -> Decimal:
        """Total refunded so far."""
        return sum((r.amount for r in self.refunds), Decimal(0))

    @property
    def refundable(self) -> Decimal:
        """What can still be refunded."""
        return self.amount - self.refunded

    @property
    def status(self) -> str:
        """``captured``, ``partially_refunded`` or ``refunded``."""
        if not self.refunds:
            return "captured"
        return "refunded" if self.refundable == 0 else "partially_refunded"


class PaymentProcessor:
    """In-memory payment processor: the real one talks to the card network, this one to a dict."""

    def __init__(self, fee_percent: Decimal = Decimal("2.9")) -> None:
        self.fee_percent = Decimal(fee_percent)
        self.charges: dict[str, Charge] = {}
        self._ids = itertools.count(1)

    def charge(self, customer: str, amount: Decimal | str, currency: str) -> Charge:
        """Charge ``amount`` (rounded to the currency's minor unit) to ``customer``."""
        value = round_to_minor_unit(Decimal(amount), currency)
        if value <= 0:
            raise PaymentError(f"charge amount must be positive, got {amount} {currency}")
        charge = Charge(f"ch_{next(self._ids)}", customer, value, currency.upper())
        self.charges[charge.id] = charge
        return charge

    def fee(self, charge_id: str) -> Decimal:
        """The processing fee kept on a charge, in the charge's currency."""
        charge = self._get(charge_id)
        return round_to_minor_unit(charge.amount * self.fee_percent / 100, charge.currency)

    def refund(
        self, charge_id: str, amount: Decimal | str | None = None, reason: str = ""
    ) -> Refund:
        """Refund ``amount`` of a charge, or everything still refundable when ``amount`` is None."""
        charge = self._get(charge_id)
        if amount is None:
            value = charge.refundable
        else:
            value = round_to_minor_unit(Decimal(amount), charge.currency)
        return self._add_refund(charge, value, reason)

    def refund_percent(self, charge_id: str, percent: Decimal | str, reason: str = "") -> Refund:
        """Refund ``percent`` of the original charge (goodwill gestures, partial returns)."""
        charge = self._get(charge_id)
        value = (charge.amount * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_EVEN)
        return self._add_refund(charge, value, reason)

    def balance(self, customer: str, currency: str) -> Decimal:
        """Net amount a customer has paid in ``currency``: charges minus refunds."""
        minor_units(currency)  # rejects unsupported currencies
        mine = (c for c in self.charges.values() if c.customer == customer)
        return sum((c.refundable for c in mine if c.currency == currency.upper()), Decimal(0))

    def _add_refund(self, charge: Charge, value: Decimal, reason: str) -> Refund:
        if value <= 0:
            raise PaymentError(f"refund amount must be positive, got {value} {charge.currency}")
        if value > charge.refundable:
            raise PaymentError(
                f"cannot refund {value} {charge.currency} on {charge.id}: "
                f"only {charge.refundable} left"
            )
        refund = Refund(f"re_{next(self._ids)}", charge.id, value, reason)
        charge.refunds.append(refund)
        return refund

    def _get(self, charge_id: str) -> Charge:
        try:
            return self.charges[charge_id]
        except KeyError:
            raise PaymentError(f"unknown charge {charge_id!r}") from None
