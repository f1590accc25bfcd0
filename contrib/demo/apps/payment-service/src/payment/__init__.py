"""Payment service of the orch demo: charges, refunds and currency rounding."""

from payment.currency import minor_units, round_to_minor_unit
from payment.processor import Charge, PaymentError, PaymentProcessor, Refund

__all__ = [
    "Charge",
    "PaymentError",
    "PaymentProcessor",
    "Refund",
    "minor_units",
    "round_to_minor_unit",
]
