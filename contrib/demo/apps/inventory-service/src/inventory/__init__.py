"""Inventory service of the orch demo: stock, reservations and a cached product search."""

from inventory.catalog import Product, load_catalog
from inventory.search import SearchIndex
from inventory.stock import OutOfStock, Stock

__all__ = ["OutOfStock", "Product", "SearchIndex", "Stock", "load_catalog"]
