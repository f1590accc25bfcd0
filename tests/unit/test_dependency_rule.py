"""The dependency rule of DESIGN.md §1 (cli -> core -> ports <- adapters), checked on the sources.

Every import in ports, core and testing must come from the standard library or the short list of
what that layer may use; dynamic imports are not seen, plugins load through entry points instead.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ALLOWED = {
    "ports": ("attrs", "attr", "pluggy", "orch.ports"),
    "core": ("attrs", "attr", "cattrs", "pluggy", "yaml", "regex", "orch.ports", "orch.core"),
    "testing": ("attrs", "attr", "pytest", "orch.ports", "orch.testing"),
}
"""What each layer may import besides the standard library (``attr`` is attrs' older name)."""

SKIPPED_DIRECTORIES = {"node_modules", "__pycache__"}


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The absolute modules an import statement names; relative imports stay in their package."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or node.module is None:
        return []
    if node.module in ("orch", "orch.adapters"):  # from orch import core: the module is orch.core
        return [f"{node.module}.{alias.name}" for alias in node.names]
    return [node.module]


def _allowed(module: str, allowed: tuple[str, ...]) -> bool:
    if module.split(".")[0] in sys.stdlib_module_names:
        return True
    return any(module == prefix or module.startswith(f"{prefix}.") for prefix in allowed)


def _violations(layer: str) -> list[str]:
    allowed = ALLOWED[layer]
    found = []
    for path in sorted((ROOT / layer / "src").rglob("*.py")):
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: imports {module}"
                    for module in _imported_modules(node)
                    if not _allowed(module, allowed)
                ]
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_the_dependency_rule_allows(layer: str) -> None:
    bad = _violations(layer)
    allowed = ", ".join(ALLOWED[layer])
    assert not bad, f"{layer} may import only the standard library, {allowed}:\n" + "\n".join(bad)


def test_no_namespace_package_has_an_init_file() -> None:
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            d for d in subdirectories if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
        ]
        here = Path(directory)
        is_orch = here.parts[-2:] == ("src", "orch")
        is_adapters = here.parts[-3:] == ("src", "orch", "adapters")
        if (is_orch or is_adapters) and "__init__.py" in files:
            found.append(str((here / "__init__.py").relative_to(ROOT)))
    assert not found, "orch and orch.adapters are PEP 420 namespaces; remove:\n" + "\n".join(found)
