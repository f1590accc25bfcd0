"""Every Python block of README.md runs, for real, in a small project that has the paths it uses.

A block meant only to be read is preceded by ``<!-- not run: why -->``; there should be few.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from orch_cli import write_files

README = Path(__file__).resolve().parents[2] / "README.md"
NOT_RUN = re.compile(r"<!--\s*not run:[^>]*-->\s*$")
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

PROJECT = {
    "apps/payment/tests/test_refund.py": """
        def test_refund_is_positive():
            assert 10 > 0


        def test_refund_rounds_to_cents():
            assert round(10.0049, 2) == 10.01, "refund not rounded to cents"
    """,
    "apps/inventory/tests/test_stock.py": """
        def test_stock_starts_empty():
            assert [] == []
    """,
}


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every ```python block not marked as not run."""
    blocks = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()]
        if NOT_RUN.search(before.rstrip("\n").rsplit("\n", 1)[-1]):
            continue
        blocks.append((before.count("\n") + 1, match.group(1)))
    return blocks


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_python_blocks_to_run() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"README.md:{n}" for n, _ in BLOCKS])
def test_readme_block_runs(line: int, code: str, tmp_path: Path) -> None:
    write_files(tmp_path, PROJECT)
    env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, f"README.md:{line} failed:\n{done.stderr}"
    if "failed_tests" in code:
        failing = "payment-service::tests/test_refund.py::test_refund_rounds_to_cents failed"
        assert failing in done.stdout, done.stdout
        assert "refund not rounded to cents" in done.stdout


BYTECODE_PROJECT = {
    "src/shop/__init__.py": "",
    "src/shop/cart.py": "def total(prices):\n    return sum(prices)\n",
    "tests/conftest.py": "",
    "tests/test_cart.py": """
        from shop.cart import total


        def test_total():
            assert total([1, 2]) == 3
    """,
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n',
}


def pycache_folders(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("__pycache__") if ".orch" not in p.parts
    )


def test_runs_write_bytecode_like_pytest_unless_the_workflow_says_not_to(tmp_path, orch) -> None:
    """What the README says of ``__pycache__``: discovery writes none (tested with discovery),
    a run writes it as pytest does, and ``env: {PYTHONDONTWRITEBYTECODE: "1"}`` stops that."""
    write_files(tmp_path, BYTECODE_PROJECT)
    assert orch("run", ".").returncode == 0
    assert pycache_folders(tmp_path) == ["src/shop/__pycache__", "tests/__pycache__"]

    clean = write_files(tmp_path / "clean", BYTECODE_PROJECT)
    (clean / "orch.yaml").write_text(
        "applications:\n  shop:\n    path: .\n    runner: pytest\n"
        '    env: {PYTHONDONTWRITEBYTECODE: "1"}\n'
    )
    done = orch("run", "clean")
    assert done.returncode == 0, done.stderr
    assert pycache_folders(clean) == []


def test_the_readme_holds_no_merge_conflict():
    """A conflict left in the README once went unnoticed: no Python block ran through it."""
    text = README.read_text(encoding="utf-8")
    markers = re.compile(r"^(<<<<<<< |=======$|>>>>>>> )", re.M)
    found = [text[: m.start()].count("\n") + 1 for m in markers.finditer(text)]
    assert found == [], f"README.md lines {found} hold merge-conflict markers"
