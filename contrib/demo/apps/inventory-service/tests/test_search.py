import pytest

from inventory import SearchIndex
from inventory.search import tokenize


@pytest.mark.parametrize(
    ("text", "words"),
    [("USB-C docking station", ["usb-c", "docking", "station"]), ("27 inch", ["27", "inch"])],
)
def test_tokenize(text, words):
    assert tokenize(text) == words


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ("keyboard", ["KB-001", "KB-002"]),
        ("bluetooth mouse", ["MS-011"]),
        ("USB-C", ["CB-300", "DK-200", "MN-027"]),
        ("typewriter", []),
    ],
)
def test_search(index, query, skus):
    assert index.search(query) == skus


def test_warm_index_is_reused_from_the_cache(catalog, index):
    reopened = SearchIndex(catalog, index.path.parent)
    assert reopened.ready
    assert reopened.search("monitor") == ["MN-027", "MN-032"]


def test_index_of_another_catalog_version_is_not_reused(catalog, index):
    assert not SearchIndex(catalog[:3], index.path.parent).ready


def test_office_products_are_searchable_on_service_start(service_index):
    """Flaky: races the background warm-up of the search index.

    The service opens its index from the shared cache directory (``.cache/`` in the app). On a
    cold cache -- a fresh checkout, a new CI runner -- the first search answers from the empty
    index and only then starts warming it in a background thread, so this test, which searches
    right after the service starts, fails. The warm-up finishes and writes ``.cache/`` anyway, so a
    rerun finds the index ready and passes: "fails on CI, passes when I rerun it". The fix is to
    wait for ``service_index.ready`` (or warm a private index like the ``index`` fixture does).
    """
    assert service_index.search("office keyboard") == ["KB-001", "KB-002"]
