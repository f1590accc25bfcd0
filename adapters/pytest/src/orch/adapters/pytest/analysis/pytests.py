"""What pytest would collect, found by reading files: test files, test nodeids and the ini options.

Nothing is imported or run: a line scanner (strings and comments blanked first) finds test
functions and test classes the way pytest's default collection does, fast enough to read a whole
suite on every selection. Tests made at run time (generated functions, classes inherited from
another module) are not seen; parametrised tests get their function-level nodeid, which pytest
accepts to run every parameter set.
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import functools
import re
import shlex
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from attrs import define, field, frozen

DEFAULT_FILES = ("test_*.py", "*_test.py")
"""pytest's default ``python_files``."""

CONFIG_FILES = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)
"""pytest's configuration files, in its order of precedence within one directory."""


@frozen
class PytestConfig:
    """The pytest ini options that decide which files are tests and where imports resolve."""

    python_files: tuple[str, ...] = DEFAULT_FILES
    python_classes: tuple[str, ...] = ("Test",)
    python_functions: tuple[str, ...] = ("test",)
    pythonpath: tuple[Path, ...] = ()
    """Absolute directories, resolved against the configuration file's directory."""
    file: Path | None = None
    """The configuration file the options came from (None: pytest's defaults)."""


def read_pytest_config(app_root: Path) -> PytestConfig:
    """The options pytest would use when run in ``app_root``: the first configuration file found
    there or in a parent directory, in pytest's order; unreadable files are skipped."""
    for directory in (app_root, *app_root.parents):
        for name in CONFIG_FILES:
            path = directory / name
            try:
                stat = path.stat()
            except OSError:
                continue
            config = _config_file(path, stat.st_mtime_ns, stat.st_size)
            if config is not None:
                return config
    return PytestConfig()


@functools.lru_cache(maxsize=64)
def _config_file(path: Path, mtime_ns: int, size: int) -> PytestConfig | None:
    """The options in one configuration file (None: it has no pytest section or is unreadable);
    cached by modification time, as the test finder asks once per file."""
    try:
        options = _options(path)
    except (OSError, UnicodeDecodeError, ValueError, configparser.Error):
        return None
    return None if options is None else _config(options, path)


def _options(path: Path) -> dict[str, Any] | None:
    """The pytest section of one configuration file, or None if it has none."""
    if path.suffix == ".toml":
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        if path.name != "pyproject.toml":
            return dict(document.get("pytest", {}))
        table = document.get("tool", {}).get("pytest")
        if not isinstance(table, dict):
            return None
        native = {key: value for key, value in table.items() if key != "ini_options"}
        return native or table.get("ini_options")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(path.read_text(encoding="utf-8"))
    section = "tool:pytest" if path.name == "setup.cfg" else "pytest"
    if parser.has_section(section):
        return dict(parser[section])
    return {} if path.name.endswith("pytest.ini") else None


def _config(options: dict[str, Any], path: Path) -> PytestConfig:
    def words(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = options.get(key)
        if isinstance(value, list):
            return tuple(str(item) for item in value)
        if isinstance(value, str):
            try:
                return tuple(shlex.split(value))
            except ValueError:
                return tuple(value.split())
        return default

    defaults = PytestConfig()
    return PytestConfig(
        python_files=words("python_files", defaults.python_files),
        python_classes=words("python_classes", defaults.python_classes),
        python_functions=words("python_functions", defaults.python_functions),
        pythonpath=tuple(path.parent / entry for entry in words("pythonpath", ())),
        file=path,
    )


def is_test_file(path: str, patterns: Sequence[str] = DEFAULT_FILES) -> bool:
    """Whether pytest collects the app-relative ``path`` as a test module under ``python_files``
    ``patterns`` (a pattern without ``/`` matches the file name, one with ``/`` the path)."""
    name = path.rpartition("/")[2]
    if not name.endswith(".py") or name == "conftest.py":
        return False
    names, paths = _file_patterns(tuple(patterns))
    return bool(names and names.match(name)) or bool(paths and paths.match(f"/{path}"))


def is_conftest(path: str) -> bool:
    """Whether the app-relative ``path`` is a ``conftest.py``, which pytest loads as a plugin for
    every test beneath its directory."""
    return path == "conftest.py" or path.endswith("/conftest.py")


_FIXTURE = re.compile(r"^[ \t]*@(?:[\w.]+\.)?fixture\b", re.M)


def defines_fixtures(text: str) -> bool:
    """Whether module source ``text`` declares a pytest fixture (``@pytest.fixture`` or
    ``@fixture``): the coverage of a fixture is attributed to whichever test ran it first, so it
    cannot tell which tests a changed fixture reaches."""
    return _FIXTURE.search(text) is not None


def changed_fixtures(source: str, hunks: Iterable[tuple[int, int]]) -> set[str] | None:
    """The names of the module-level fixtures of ``source`` that hold every one of ``hunks``
    (1-based inclusive line ranges); None when a hunk lies anywhere else (module level, a hook,
    a helper function), when the fixture is renamed with ``name=``, or when nothing parses: then
    no fixture name can tell which tests the change reaches."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    fixtures: list[tuple[int, int, str | None]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            marks = [d for d in node.decorator_list if _is_fixture(d)]
            if marks:
                renamed = any(
                    isinstance(d, ast.Call) and any(k.arg == "name" for k in d.keywords)
                    for d in marks
                )
                start = min(node.lineno, *(d.lineno for d in node.decorator_list))
                end = node.end_lineno or node.lineno
                fixtures.append((start, end, None if renamed else node.name))
    names: set[str] = set()
    for first, last in hunks:
        hit = [name for start, end, name in fixtures if start <= first and last <= end]
        if not hit or hit[0] is None:
            return None
        names.add(hit[0])
    return names or None


def _is_fixture(decorator: ast.expr) -> bool:
    """``@fixture``, ``@pytest.fixture``, and either called with arguments."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name):
        return target.id == "fixture"
    return isinstance(target, ast.Attribute) and target.attr == "fixture"


@functools.lru_cache(maxsize=16)
def _file_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str] | None, ...]:
    """``python_files`` as two regexes, over file names and over paths (pytest's fnmatch_ex)."""
    names = [fnmatch.translate(p) for p in patterns if "/" not in p]
    paths = [fnmatch.translate(f"*/{p}") for p in patterns if "/" in p]
    return tuple(re.compile("|".join(group)) if group else None for group in (names, paths))


def find_tests(
    app_root: Path,
    files: Iterable[str],
    python_files: Sequence[str] | None = None,
    python_classes: Sequence[str] | None = None,
    python_functions: Sequence[str] | None = None,
    imported: Callable[[str], Iterable[str]] | None = None,
) -> dict[str, list[str]]:
    """For each of ``files`` (app-relative) that is a test module, the nodeids of its tests in
    definition order; options left as None come from the app's pytest configuration. Missing
    or unreadable files are left out.

    ``imported(file)`` -- the files ``file`` imports, e.g. ``ImportGraph.imports_of`` -- lets a
    test class inherit its tests from a base class defined in another module (contract tests);
    without it only bases defined in the same module are seen."""
    if python_files is None or python_classes is None or python_functions is None:
        config = read_pytest_config(app_root)
        python_files = config.python_files if python_files is None else python_files
        python_classes = config.python_classes if python_classes is None else python_classes
        python_functions = config.python_functions if python_functions is None else python_functions
    finder = _Finder(app_root, tuple(python_classes), tuple(python_functions), imported)
    found = {}
    for path in files:
        if is_test_file(path, python_files):
            module = finder.module(path)
            if module is not None:
                found[path] = [f"{nodeid_path(path)}::{name}" for name in finder.tests(module)]
    return found


@functools.cache
def _unplain() -> re.Pattern[str]:
    """Control characters and lone surrogates; compiled when first needed (the surrogate range
    costs ``re`` about 5 ms to compile, and printable paths never need it)."""
    return re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def nodeid_path(path: str) -> str:
    """``path`` as the nodeids of its tests spell it: each control character or lone surrogate
    (a name that is not UTF-8) written as ``\\x0a`` or ``\\udcff``, as the pytest adapter's
    event plugin names them (``_plain``), so ids made here match the ids a run reports."""
    if path.isprintable():
        return path
    return _unplain().sub(_escape, path)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _matches(name: str, options: tuple[str, ...]) -> bool:
    """pytest's rule for ``python_classes``/``python_functions``: a prefix, or a glob."""
    return any(
        name.startswith(option)
        or (any(c in option for c in "*?[") and fnmatch.fnmatch(name, option))
        for option in options
    )


_BLANKED = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+(?:"""|$)'
    r"|'''(?:[^'\\]++|\\.|'(?!''))*+(?:'''|$)"
    r'|"(?:[^"\\\n]++|\\.)*+"'
    r"|'(?:[^'\\\n]++|\\.)*+'"
    r"|#[^\n]*",
    re.S,
)
"""Strings and comments, blanked (keeping their line breaks) so that code in them is not read."""

_DEFINITION = re.compile(
    r"^([ \t]*)(?:(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)[ \t]*(\([^)]*\))?"
    r"|(__test__)[ \t]*=[ \t]*False\b)",
    re.M,
)


@define(eq=False)
class _Class:
    name: str
    bases: tuple[str, ...]
    path: str
    """The module defining the class, where its bases are looked up."""
    items: list[str | _Class] = field(factory=list)
    """Method names and nested classes, in definition order."""
    has_init: bool = False
    disabled: bool = False


@frozen
class _Module:
    path: str
    items: list[str | _Class]
    classes: dict[str, _Class]
    """The module-level classes by name."""


class _Finder:
    """Test names of modules, each module read at most once per ``find_tests`` call."""

    def __init__(
        self,
        app_root: Path,
        classes: tuple[str, ...],
        functions: tuple[str, ...],
        imported: Callable[[str], Iterable[str]] | None,
    ) -> None:
        self.app_root = app_root
        self.classes = classes
        self.functions = functions
        self.imported = imported
        self._modules: dict[str, _Module | None] = {}

    def module(self, path: str) -> _Module | None:
        if path not in self._modules:
            try:
                text = (self.app_root / path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                self._modules[path] = None
            else:
                self._modules[path] = _parse(path, text)
        return self._modules[path]

    def tests(self, module: _Module) -> list[str]:
        """The test names of a module, ``func`` or ``Class::method``, as pytest collects them."""
        found: dict[str, None] = {}
        for item in module.items:
            if isinstance(item, str):
                if _matches(item, self.functions):
                    found.setdefault(item)
            else:
                found.update(dict.fromkeys(self._class_tests(item)))
        return list(found)

    def _class_tests(self, cls: _Class) -> list[str]:
        lineage = self._lineage(cls)
        if any(c.disabled for c in lineage):
            return []
        if any(b.split(".")[-1].endswith("TestCase") for c in lineage for b in c.bases):
            methods = (i for c in lineage for i in c.items if isinstance(i, str))
            return [f"{cls.name}::{m}" for m in dict.fromkeys(methods) if m.startswith("test")]
        if not _matches(cls.name, self.classes) or any(c.has_init for c in lineage):
            return []
        names: list[str] = []
        for current in lineage:
            for item in current.items:
                if isinstance(item, str):
                    if _matches(item, self.functions):
                        names.append(f"{cls.name}::{item}")
                else:
                    names += [f"{cls.name}::{n}" for n in self._class_tests(item)]
        return list(dict.fromkeys(names))

    def _lineage(self, cls: _Class) -> list[_Class]:
        """The class and the bases that can be found, bases first (the order pytest collects)."""
        seen: list[_Class] = []
        pending = [cls]
        while pending:
            current = pending.pop()
            if current not in seen:
                seen.append(current)
                for name in reversed(current.bases):
                    base = self._base(name.rpartition(".")[2], current.path)
                    if base is not None:
                        pending.append(base)
        return list(reversed(seen))

    def _base(self, name: str, path: str) -> _Class | None:
        """The class ``name`` as seen from module ``path``: its own, or one from a module it
        imports."""
        module = self.module(path)
        if module is not None and name in module.classes:
            return module.classes[name]
        for dependency in sorted(self.imported(path)) if self.imported else ():
            other = self.module(dependency)
            if other is not None and name in other.classes:
                return other.classes[name]
        return None


@functools.lru_cache(maxsize=32)
def _dedent(indent: int) -> re.Pattern[str]:
    """A line of code indented no deeper than ``indent``: it ends a scope opened at ``indent``
    (closing brackets of a multi-line header do not)."""
    return re.compile(rf"^[ \t]{{0,{indent}}}[^ \t\n)\]}}]", re.M)


def _blank(match: re.Match[str]) -> str:
    return "\n" * match.group().count("\n")


def _parse(path: str, text: str) -> _Module:
    """The functions and classes pytest may collect from one module's source."""
    code = _BLANKED.sub(_blank, text)
    module = _Module(path, [], {})
    stack: list[tuple[int, int, _Class | None]] = []  # open scopes: indent, body, class or def
    for match in _DEFINITION.finditer(code):
        indent = len(match.group(1).expandtabs())
        while stack and (
            stack[-1][0] >= indent
            or _dedent(stack[-1][0]).search(code, stack[-1][1], match.start())
        ):
            stack.pop()
        scope = stack[-1][2] if stack else None
        if stack and scope is None:  # inside a function: nothing there is collected
            continue
        function, class_name, bases, disable = match.group(2, 3, 4, 5)
        items = scope.items if scope is not None else module.items
        if disable:
            if scope is not None:
                scope.disabled = True
        elif function:
            if scope is not None and function in ("__init__", "__new__"):
                scope.has_init = True
            items.append(function)
            stack.append((indent, match.end(), None))
        else:
            names = [b.strip().split("[")[0] for b in (bases or "()")[1:-1].split(",")]
            new = _Class(class_name, tuple(b for b in names if b and "=" not in b), path)
            items.append(new)
            if scope is None:
                module.classes.setdefault(class_name, new)
            stack.append((indent, match.end(), new))
    return module
