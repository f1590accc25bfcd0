"""The products the warehouse sells, as shipped with the service."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

PRODUCTS = Path(__file__).with_name("products.json")


@dataclass(frozen=True)
class Product:
    """One sellable product: stock keeping unit, display name and search tags."""

    sku: str
    name: str
    tags: tuple[str, ...] = ()


def load_catalog(path: Path = PRODUCTS) -> list[Product]:
    """Read the product list from ``path``."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [Product(r["sku"], r["name"], tuple(r.get("tags", ()))) for r in rows]


def fingerprint(products: list[Product]) -> str:
    """A short hash of the catalog: a cached search index is valid only for the same catalog."""
    text = json.dumps([[p.sku, p.name, list(p.tags)] for p in products], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
