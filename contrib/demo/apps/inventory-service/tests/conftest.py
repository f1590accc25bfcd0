"""Fixtures: the shipped catalog, a stock ledger, and search indexes (private or the service's)."""

import pytest

from inventory import SearchIndex, Stock, load_catalog, settings
from inventory.search import wait_for_warmers


@pytest.fixture(scope="session", autouse=True)
def no_stray_warmers():
    """Let background index warm-ups finish before the session ends, so no thread is cut off."""
    yield
    wait_for_warmers()


@pytest.fixture(scope="session")
def catalog():
    """The products shipped with the service."""
    return load_catalog()


@pytest.fixture
def stock():
    """A small warehouse: plenty of keyboards, few webcams, no monitors."""
    return Stock({"KB-001": 20, "WC-400": 4, "MN-027": 0})


@pytest.fixture
def index(catalog, tmp_path):
    """A search index in a private cache directory, warmed before the test uses it."""
    idx = SearchIndex(catalog, tmp_path / "cache")
    idx.warm()
    return idx


@pytest.fixture
def service_index(catalog):
    """The search index as the running service opens it: from the shared cache directory."""
    return SearchIndex(catalog, settings.CACHE_DIR)
