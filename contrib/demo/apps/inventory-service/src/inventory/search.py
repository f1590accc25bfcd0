"""Product search backed by an inverted index that is cached on disk and warmed in the background.

Building the index is too slow to do while a request waits, so ``search`` on a cold cache answers
from what is loaded (nothing) and starts a background warm-up that writes the index to the cache
directory; every later open of the index loads it from there.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path

from inventory.catalog import Product, fingerprint

INDEX_FILE = "search-index.json"

_warmers: list[threading.Thread] = []


def tokenize(text: str) -> list[str]:
    """Lower-case words of ``text`` (``USB-C`` stays one word)."""
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())


class SearchIndex:
    """Maps words of product names and tags to SKUs."""

    def __init__(self, products: list[Product], cache_dir: Path) -> None:
        self.products = products
        self.path = Path(cache_dir) / INDEX_FILE
        self.version = fingerprint(products)
        self._postings: dict[str, list[str]] | None = self._load()
        self._warmer: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        """True once the index is loaded: before that, searches return nothing."""
        return self._postings is not None

    def search(self, query: str) -> list[str]:
        """SKUs matching every word of ``query``; empty while the index is still warming up."""
        if self._postings is None:
            self._start_warming()
            return []
        hits = [set(self._postings.get(word, ())) for word in tokenize(query)]
        return sorted(set.intersection(*hits)) if hits else []

    def warm(self) -> None:
        """Build the index now, write it to the cache and use it (blocks the caller)."""
        postings = self._build()
        self._write(postings)
        self._postings = postings

    def _start_warming(self) -> None:
        if self._warmer is None:
            self._warmer = threading.Thread(target=self.warm, name="search-index-warmer")
            _warmers.append(self._warmer)
            self._warmer.start()

    def _build(self) -> dict[str, list[str]]:
        postings: dict[str, set[str]] = {}
        for product in self.products:
            for word in tokenize(" ".join((product.name, *product.tags))):
                postings.setdefault(word, set()).add(product.sku)
        return {word: sorted(skus) for word, skus in postings.items()}

    def _load(self) -> dict[str, list[str]] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return data["postings"] if data.get("version") == self.version else None

    def _write(self, postings: dict[str, list[str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"version": self.version, "postings": postings}, out)
        os.replace(tmp, self.path)


def wait_for_warmers() -> None:
    """Wait until every background warm-up has written its index (used on shutdown)."""
    while _warmers:
        _warmers.pop().join()
