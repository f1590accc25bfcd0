"""The cached test index: reused while files are unchanged, refreshed when they or bases change."""

from __future__ import annotations

import os

from orch.adapters.pytest.analysis.imports import ImportGraph
from orch.adapters.pytest.analysis.test_index import TestIndex


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def bump(path, text):
    write(path, text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_entries_are_reused_and_refreshed(tmp_path):
    app = tmp_path / "app"
    write(app / "tests" / "base.py", "class Base:\n    def test_shared(self):\n        pass\n")
    write(
        app / "tests" / "test_a.py",
        "from tests.base import Base\n\n"
        "class TestA(Base):\n    def test_own(self):\n        pass\n",
    )
    write(app / "tests" / "__init__.py", "")
    cache = tmp_path / "tests.bin"
    index = TestIndex(ImportGraph.build(app), cache)
    first = index.tests(["tests/test_a.py"])
    assert set(first["tests/test_a.py"]) == {
        "tests/test_a.py::TestA::test_own",
        "tests/test_a.py::TestA::test_shared",
    }
    index.save()

    again = TestIndex(ImportGraph.build(app), cache)
    assert again.tests(["tests/test_a.py"]) == first and not again.changed

    bump(app / "tests" / "base.py", "class Base:\n    def test_other(self):\n        pass\n")
    refreshed = TestIndex(ImportGraph.build(app), cache).tests(["tests/test_a.py"])
    assert "tests/test_a.py::TestA::test_other" in refreshed["tests/test_a.py"]


def test_a_corrupt_cache_is_ignored(tmp_path):
    app = tmp_path / "app"
    write(app / "tests" / "test_b.py", "def test_b():\n    pass\n")
    cache = tmp_path / "tests.bin"
    cache.write_bytes(b"garbage")
    index = TestIndex(ImportGraph.build(app), cache)
    assert index.tests(["tests/test_b.py"]) == {"tests/test_b.py": ["tests/test_b.py::test_b"]}
