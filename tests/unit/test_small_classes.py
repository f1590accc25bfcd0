"""Issue 9: no class of core is longer than about 150 lines, so each keeps one job (RunSession
was 448 lines with 22 methods before it was split)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core" / "src"
LONGEST = 150


def test_no_class_of_core_is_longer_than_150_lines() -> None:
    long = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST:
                    long.append(f"{path.relative_to(CORE)}: {node.name} has {lines} lines")
    assert not long, f"split these by job (at most {LONGEST} lines a class):\n" + "\n".join(long)
