"""The dependency rule of DESIGN.md §1 (cli -> core -> ports <- adapters), checked on the sources.

Every import in ports, core and testing must come from the standard library or the short list of
what that layer may use; dynamic imports are not seen, plugins load through entry points instead.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterator
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


def _imports(directory: Path) -> Iterator[tuple[str, str]]:
    """Each import of the sources under ``directory``: where it is (file:line), what it names."""
    for path in sorted(directory.rglob("*.py")):
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for module in _imported_modules(node):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", module


def _violations(layer: str) -> list[str]:
    allowed = ALLOWED[layer]
    return [
        f"{where}: imports {module}"
        for where, module in _imports(ROOT / layer / "src")
        if not _allowed(module, allowed)
    ]


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


# -- core knows no language: Python and pytest semantics live in the pytest adapter -------------

PYTHON_WORDS = ("conftest", "pytestmark", "pytest_plugins", "getfixturevalue", "__init__.py")
"""Words of Python's import system and pytest's collection that core's code must not use."""
PYTHON_SUFFIXES = frozenset({".py", ".pyc", ".pyo", ".pyi", ".pyw"})
PARSERS = frozenset({"ast", "tokenize", "symtable", "pyclbr", "importlib"})
"""Modules that read Python source or imports: selection asks a ChangeImpact adapter instead."""
LANGUAGE_FREE = "core/src/orch/core/select"
"""Where not even the name pytest may appear in code (docstrings may explain)."""

KNOWN_LANGUAGE_SEMANTICS = {
    ("core/src/orch/core/select/changes.py", "names pytest: .pytest_cache"),
    ("core/src/orch/core/select/changes.py", "a Python suffix: .pyc"),
    ("core/src/orch/core/select/changes.py", "a Python suffix: .pyo"),
    ("core/src/orch/core/report/files.py", "a Python suffix: .py"),
    ("core/src/orch/core/triage/clustering.py", "a Python suffix: .py"),
}
"""Shrink-only: what core still knows of Python, and why. changes.py drops the caches tools
write while tests run (``__pycache__``, ``.pytest_cache``) before any analysis is asked;
report/files.py turns a pytest nodeid into a JUnit classname; triage/clustering.py tells
source paths of many languages (``.py`` among them) from other text. Remove an entry when its
knowledge moves to an adapter; never add one."""


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of string constants that are statements of their own (docstrings)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def _language_semantics(path: Path, strict: bool) -> list[str]:
    """What the code of ``path`` says that only Python or pytest mean (docstrings left out);
    ``strict``: not even the name pytest, nor a module that parses Python."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        words: list[str] = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            words = [node.value]
            if node.value in PYTHON_SUFFIXES:
                found.append(f"a Python suffix: {node.value}")
        elif isinstance(node, ast.Name):
            words = [node.id]
        elif isinstance(node, ast.Attribute):
            words = [node.attr]
        elif isinstance(node, ast.Import | ast.ImportFrom) and strict:
            parsers = [m for m in _imported_modules(node) if m.split(".")[0] in PARSERS]
            found += [f"imports {module}" for module in parsers]
        for word in words:
            found += [f"uses {w}" for w in PYTHON_WORDS if w in word]
            if strict and "pytest" in word.lower():
                found.append(f"names pytest: {word}")
    return found


def test_core_knows_no_python_or_pytest_semantics() -> None:
    """Selection and the rest of core ask adapters what a language's files mean (the pytest
    adapter's ``analysis`` package reads Python); only the known exceptions remain."""
    seen = set()
    for path in sorted((ROOT / "core" / "src").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        strict = relative.startswith(LANGUAGE_FREE)
        seen |= {(relative, what) for what in _language_semantics(path, strict)}
    new = sorted(seen - KNOWN_LANGUAGE_SEMANTICS)
    gone = sorted(KNOWN_LANGUAGE_SEMANTICS - seen)
    assert not new, "core must not know Python or pytest (move it to an adapter):\n" + "\n".join(
        f"{path}: {what}" for path, what in new
    )
    assert not gone, "fixed: remove from KNOWN_LANGUAGE_SEMANTICS:\n" + "\n".join(
        f"{path}: {what}" for path, what in gone
    )


def test_the_language_check_sees_what_selection_used_to_do(tmp_path: Path) -> None:
    source = tmp_path / "selection.py"
    source.write_text(
        '"""Docstrings may say conftest.py and pytest."""\n'
        "import ast\n"
        "def is_test(path):\n"
        '    return path.endswith(".py") and not path.endswith("conftest.py")\n'
        'MARK = r"^pytestmark\\s*="\n',
        encoding="utf-8",
    )
    assert sorted(set(_language_semantics(source, strict=True))) == [
        "a Python suffix: .py",
        "imports ast",
        "names pytest: ^pytestmark\\s*=",
        "uses conftest",
        "uses pytestmark",
    ]
    assert "imports ast" not in _language_semantics(source, strict=False)


# -- the use cases of core talk through values and hooks, never by importing each other ---------

USE_CASES = ("workflow", "select", "run", "triage", "report", "environment", "data")
SHARED_INSIDE_CORE = ("orch.core.shared", "orch.core.workflow.model")
"""What any use case may import of core besides its own package: the helpers every use case
uses, and the ``Workflow`` every use case reads."""
ALSO_ALLOWED = {"workflow": ("orch.core.plugins",), "data": ("orch.core.plugins",), "shared": ()}
"""The loader asks the registry for the runners' settings classes (the runner tagged union)."""


def _core_imports_outside(package: str) -> list[str]:
    own = f"orch.core.{package}"
    allowed = (own, *(() if package == "shared" else SHARED_INSIDE_CORE))
    allowed += ALSO_ALLOWED.get(package, ())
    return [
        f"{where}: imports {module}"
        for where, module in _imports(ROOT / "core" / "src" / "orch" / "core" / package)
        if module.startswith("orch.core") and not _allowed(module, allowed)
    ]


@pytest.mark.parametrize("package", [*USE_CASES, "shared"])
def test_a_use_case_imports_no_other_use_case(package: str) -> None:
    bad = _core_imports_outside(package)
    assert not bad, (
        f"core/{package} may use orch.ports, its own modules and {', '.join(SHARED_INSIDE_CORE)};"
        " move the value it needs to orch.ports or shared/:\n" + "\n".join(bad)
    )


def test_every_package_of_core_is_a_use_case_or_shared() -> None:
    packages = {p.name for p in (ROOT / "core" / "src" / "orch" / "core").iterdir() if p.is_dir()}
    assert packages - {"__pycache__"} == {*USE_CASES, "shared"}
