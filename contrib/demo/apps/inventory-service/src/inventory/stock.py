"""Stock levels and reservations: an order reserves units, shipping or cancelling releases them."""

from __future__ import annotations

from collections import Counter


class OutOfStock(Exception):
    """A reservation asked for more units than are available."""


class Stock:
    """Units on hand and reserved per SKU."""

    def __init__(self, on_hand: dict[str, int] | None = None, low_watermark: int = 3) -> None:
        self.on_hand = Counter(on_hand or {})
        self.reserved: Counter[str] = Counter()
        self.low_watermark = low_watermark

    def available(self, sku: str) -> int:
        """Units that can still be reserved."""
        return self.on_hand[sku] - self.reserved[sku]

    def reserve(self, sku: str, quantity: int) -> None:
        """Hold ``quantity`` units of ``sku`` for an order."""
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        if quantity > self.available(sku):
            raise OutOfStock(f"{sku}: {quantity} requested, {self.available(sku)} available")
        self.reserved[sku] += quantity

    def release(self, sku: str, quantity: int) -> None:
        """Give back reserved units (the order was cancelled)."""
        if quantity > self.reserved[sku]:
            raise ValueError(f"{sku}: only {self.reserved[sku]} units reserved")
        self.reserved[sku] -= quantity

    def ship(self, sku: str, quantity: int) -> None:
        """Reserved units leave the warehouse."""
        self.release(sku, quantity)
        self.on_hand[sku] -= quantity

    def restock(self, sku: str, quantity: int) -> None:
        """A delivery arrived."""
        self.on_hand[sku] += quantity

    def low_stock(self) -> list[str]:
        """SKUs whose available units are at or below the low watermark, to reorder."""
        return sorted(sku for sku in self.on_hand if self.available(sku) <= self.low_watermark)
