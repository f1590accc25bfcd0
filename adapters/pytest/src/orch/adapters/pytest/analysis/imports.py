"""The static import graph of an application: which files depend on a changed file, and through
which imports -- found by reading the sources, never by importing them.

Imports are pulled out of each file by a compiled regex, not ``ast`` (over ten times faster, and
a file that does not parse is still read); where text only looks like an import (in a string)
the graph gains an edge, which selects more, never less. Module names resolve against every
plausible source root (the app, ``src`` directories, pytest's ``pythonpath`` and the directories
pytest puts on ``sys.path`` for test files and conftests), keeping every match. A cache of the
imports found per file, keyed by size and mtime, makes a rebuild with nothing changed a walk of
the tree.

Not seen: imports built at run time (``import_module(name)`` with a computed name, plugins loaded
through entry points), names reached through ``sys.path`` edits, and ``__all__``-driven
``from package import *`` of submodules.
"""

from __future__ import annotations

import ast
import functools
import io
import os
import re
import time
import tokenize
import tomllib
from collections import defaultdict, deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from attrs import define, field, frozen

from orch.adapters.pytest.analysis.cachefile import read_cache, write_cache
from orch.adapters.pytest.analysis.pytests import is_conftest, is_test_file, read_pytest_config

Record = tuple[int, str, tuple[str, ...]]
"""One import as read: (relative level, module, imported names; ``()`` for ``import module``)."""

CACHE_MAGIC = b"orch-import-graph-1\n"
RACY_NS = 2_000_000_000
"""A file modified this close before a scan may change again within the same mtime tick, so its
cache entry is not trusted next time (git's "racily clean" rule)."""

SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__", "site-packages", "__pypackages__"})
ARTIFACT_DIRECTORIES = frozenset({"build", "dist"})
"""Build output directories, skipped unless they are packages (hold an ``__init__.py``)."""

_IMPORT = re.compile(
    r"import(?:(?<!\wimport)(?=[ \t\f\\(])"
    r"(?=(?:[ \t\f]|\\\n)*+(\((?:[^)#]++|#[^\n]*+)*+\)|(?:[^\n;#\\]++|\\\n?)*+))"
    r"|(?=_module\(|orskip\(|__\())"
)
"""The keyword ``import`` (searched for as a literal, the fast way) and, looked at but not
consumed, the names after it to the end of the logical line or the closing ``)``; or the start
of a dynamic import call."""
_HEAD = re.compile(r"(?:.*[;:])?\s*(?:from(?=[\s.\\])((?:[\w.\s]|\\\n)*[\s.]))?", re.S)
"""What may stand before ``import`` on its line: a statement start, then ``from MODULE``."""

_DYNAMIC = re.compile(
    r"\b(?:import_module|__import__|importorskip|patch(?:\.dict|\.multiple)?|setattr|delattr)"
    r"\(\s*(?:name\s*=\s*|target\s*=\s*)?[\"'](\.*)([\w.]*)[\"']"
)
"""Modules named by a string literal: importlib, ``pytest.importorskip``, ``mock.patch`` and
``monkeypatch.setattr`` targets (which import the module they name)."""

_PLUGINS = re.compile(r"^pytest_plugins\s*(?::[^=\n]*)?=\s*(\[[^\]]*\]|\([^)]*\)|[^\n]*)", re.M)
_STRING = re.compile(r"[\"']([\w.]+)[\"']")
_COMMENT = re.compile(r"#[^\n]*")

_STATEMENTS: dict[tuple[str, str], tuple[Record, ...]] = {}
"""Import statements already read (the same lines recur across files), bounded."""


@frozen
class Impact:
    """How ``file`` depends on ``changed``: the shortest import chain between them.

    ``via`` lists the files in between, from ``file``'s side (empty when ``direct``)."""

    file: str
    changed: str
    via: tuple[str, ...]
    direct: bool


@define
class ImportGraph:
    """Which app-relative ``.py`` file imports which, plus what pytest runs before a test file
    (the conftests above it, the ``__init__.py`` of the test packages it is imported through)."""

    root: Path
    files: frozenset[str]
    """Every ``.py`` file scanned, app-relative POSIX paths."""
    problems: dict[str, str]
    """Files whose imports may be incomplete, with the reason (e.g. not valid UTF-8)."""
    roots: tuple[str, ...]
    """The source roots module names were resolved against ("" is the app itself)."""
    test_patterns: tuple[str, ...]
    """pytest's ``python_files`` for this app: which files are test modules."""
    _imports: dict[str, tuple[str, ...]]
    _implicit: dict[str, tuple[str, ...]]
    _records: dict[str, tuple[Record, ...]]
    _reverse: dict[str, list[str]] | None = field(default=None, init=False)

    @classmethod
    def build(cls, app_root: Path, cache_file: Path | None = None) -> ImportGraph:
        """Scan every ``.py`` file under ``app_root``, reusing ``cache_file`` for unchanged ones
        and rewriting it (atomically) when anything changed; a bad cache file is rebuilt."""
        started = time.time_ns()
        root = Path(os.path.abspath(app_root))
        config = read_pytest_config(root)
        stats = _walk(root)
        outside = [_relative_to(directory, root) for directory in outside_roots(root)]
        for prefix in outside:
            stats.update(_walk(root / prefix, f"{prefix}/"))
        cache = _load_cache(cache_file, root) if cache_file is not None else None
        old_entries: dict[str, Any] = cache["entries"] if cache else {}
        entries = {}
        changed = set()
        for path, (size, mtime) in stats.items():
            entry = old_entries.get(path)
            if entry is None or entry[0] != size or entry[1] != mtime:
                entry = (size, mtime, *_scan(os.path.join(root, path)))
                changed.add(path)
            entries[path] = entry
        files = frozenset(entries)
        patterns = config.python_files
        inside = [path for path in files if not path.startswith("../")]
        tests = [path for path in inside if is_test_file(path, patterns)]
        conftests = [path for path in inside if is_conftest(path)]
        packages = {path[:-12] for path in files if path.endswith("/__init__.py")}
        if "__init__.py" in files:
            packages.add("")
        roots = _source_roots(root, files, packages, config.pythonpath, outside, tests + conftests)
        same_layout = cache is not None and cache["roots"] == roots and files == set(old_entries)
        records = {path: entry[2] for path, entry in entries.items()}
        imports = _resolve_all(
            records, roots, cache["imports"] if same_layout and cache else {}, changed
        )
        if cache_file is not None and (changed or not same_layout):
            _save_cache(cache_file, root, entries, roots, imports, started)
        return cls(
            root=root,
            files=files,
            problems={path: entry[3] for path, entry in entries.items() if entry[3]},
            roots=roots,
            test_patterns=patterns,
            imports=imports,
            implicit=_pytest_edges(tests, conftests, packages),
            records=records,
        )

    def imports_of(self, file: str) -> set[str]:
        """The files ``file`` imports directly (resolved in this tree; conftests not included)."""
        return set(self._imports.get(file, ()))

    def importers_of(self, changed: Iterable[str]) -> dict[str, Impact]:
        """Every file that depends on a changed file, directly or transitively, with the nearest
        changed file and the shortest chain to it (the changed files themselves are left out);
        a deleted file still reaches the files that imported it."""
        sources = sorted(set(changed))
        reverse = self._reverse_edges()
        missing = [path for path in sources if path not in self.files and path.endswith(".py")]
        ghosts = self._importers_of_missing(missing) if missing else {}
        origin = {path: path for path in sources}
        parent: dict[str, str] = {}
        queue = deque(sources)
        while queue:
            node = queue.popleft()
            for dependent in (*reverse.get(node, ()), *ghosts.get(node, ())):
                if dependent not in origin:
                    origin[dependent] = origin[node]
                    parent[dependent] = node
                    queue.append(dependent)
        impacts = {}
        for path, step in parent.items():
            via = []
            while step != origin[path]:
                via.append(step)
                step = parent[step]
            impacts[path] = Impact(path, origin[path], tuple(via), not via)
        return impacts

    def check_syntax(self, files: Iterable[str]) -> dict[str, str]:
        """Parse just these files (the changed ones) and say which ones are not valid Python;
        their imports were still read, as text."""
        found = {}
        for path in files:
            if path not in self.files:
                continue
            try:
                ast.parse((self.root / path).read_bytes(), filename=path)
            except OSError:
                continue
            except SyntaxError as error:
                found[path] = f"does not parse as Python (line {error.lineno}): {error.msg}"
            except ValueError as error:
                found[path] = f"does not parse as Python: {error}"
        return found

    def _reverse_edges(self) -> dict[str, list[str]]:
        if self._reverse is None:
            reverse: dict[str, list[str]] = defaultdict(list)
            for path in sorted(self.files):
                for target in (*self._imports.get(path, ()), *self._implicit.get(path, ())):
                    reverse[target].append(path)
            self._reverse = dict(reverse)
        return self._reverse

    def _importers_of_missing(self, missing: list[str]) -> dict[str, list[str]]:
        """Who imported files no longer in the tree; for a conftest or ``__init__.py``, every
        test file and conftest below it (safe side)."""
        absent = frozenset(missing)
        index = _module_index(absent, self.roots)
        memo: dict[str, list[str]] = {}
        found: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.files):
            for target in _resolve(path, self._records[path], index, absent, memo):
                found[target].append(path)
        for ghost in missing:
            directory, _, name = ghost.rpartition("/")
            if name in ("conftest.py", "__init__.py"):
                found[ghost] += _governed(self.files, directory, self.test_patterns)
        return found


def _governed(files: Iterable[str], directory: str, patterns: tuple[str, ...]) -> list[str]:
    """The test files and conftests in ``directory`` and below."""
    prefix = f"{directory}/" if directory else ""
    return sorted(
        path
        for path in files
        if path.startswith(prefix) and (is_test_file(path, patterns) or is_conftest(path))
    )


def outside_roots(app_root: Path) -> tuple[Path, ...]:
    """Directories outside ``app_root`` whose modules its tests can import, so that a change
    there reaches them: pytest's ``pythonpath`` entries (``../../libs/common/src``), the
    ``[tool.uv.sources]`` path dependencies of its ``pyproject.toml`` (their ``src`` when they
    have one) and the directories the ``.pth`` files of its own ``.venv`` add (editable
    installs). Directories containing the app (a whole repository) are left out."""
    root = Path(os.path.abspath(app_root))
    found = [*read_pytest_config(root).pythonpath, *_path_dependencies(root), *_pth_entries(root)]
    outside: dict[Path, None] = {}
    for entry in found:
        directory = Path(os.path.abspath(entry))
        beside = not directory.is_relative_to(root) and not root.is_relative_to(directory)
        if beside and directory.is_dir():
            outside.setdefault(directory)
    return tuple(outside)


def _path_dependencies(root: Path) -> list[Path]:
    """The project folders ``[tool.uv.sources]`` names by ``path`` (workspace libraries)."""
    try:
        document = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    sources = document.get("tool", {}).get("uv", {}).get("sources", {})
    found = []
    for source in sources.values() if isinstance(sources, dict) else ():
        path = source.get("path") if isinstance(source, dict) else None
        if isinstance(path, str):
            project = root / path
            found.append(project / "src" if (project / "src").is_dir() else project)
    return found


def _pth_entries(root: Path) -> list[Path]:
    """The directories the ``.pth`` files of the app's ``.venv`` put on ``sys.path``."""
    found = []
    for pth in root.glob(".venv/lib/python*/site-packages/*.pth"):
        try:
            lines = pth.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        found += [Path(line) for line in lines if line and not line.startswith(("#", "import"))]
    return found


def _relative_to(directory: Path, root: Path) -> str:
    """``directory`` as a path from ``root`` (``../../libs/common/src``), POSIX."""
    return Path(os.path.relpath(directory, root)).as_posix()


def _walk(root: Path, start: str = "") -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every ``.py`` file, skipping hidden, virtualenv and build directories;
    paths are prefixed with ``start``."""
    found = {}
    pending = [(start, os.fspath(root))]
    while pending:
        prefix, directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            continue
        if prefix and any(entry.name == "pyvenv.cfg" for entry in entries):
            continue
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name[0] == "." or name in SKIPPED_DIRECTORIES:
                        continue
                    if name in ARTIFACT_DIRECTORIES and not os.path.exists(
                        os.path.join(entry.path, "__init__.py")
                    ):
                        continue
                    pending.append((f"{prefix}{name}/", entry.path))
                elif name.endswith(".py") and entry.is_file():
                    stat = entry.stat()
                    found[prefix + name] = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                continue
    return found


def _scan(path: str) -> tuple[tuple[Record, ...], str | None]:
    """The imports of one file, and why they may be incomplete (None when they are not)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            data = b"".join(iter(functools.partial(os.read, descriptor, 1 << 20), b""))
        finally:
            os.close(descriptor)
    except OSError as error:
        return (), f"cannot be read: {error.strerror}"
    text, problem = _decode(data)
    return extract_imports(text), problem


def _decode(data: bytes) -> tuple[str, str | None]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text, problem = _decode_declared(data, error)
    else:
        problem = None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problem


def _decode_declared(data: bytes, error: UnicodeDecodeError) -> tuple[str, str | None]:
    """A file that is not UTF-8: its PEP 263 coding declaration, or UTF-8 with replacements."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding not in ("utf-8", "utf-8-sig"):
            return data.decode(encoding), None
    except (SyntaxError, LookupError, UnicodeDecodeError):
        pass
    reason = f"is not valid UTF-8 (byte {error.start}); read with replacement characters"
    return data.decode("utf-8", errors="replace"), reason


def extract_imports(text: str) -> tuple[Record, ...]:
    """Every import in ``text``: statements anywhere (functions, ``try``/``except ImportError``),
    string-literal dynamic imports and ``pytest_plugins``; import-like text counts too."""
    found: list[Record] = []
    dynamic = "patch" in text or "attr(" in text
    for hit in _IMPORT.finditer(text):
        names = hit.group(1)
        if names is None:
            dynamic = True
            continue
        start = hit.start()
        line = text.rfind("\n", 0, start) + 1
        while line > 1 and text[line - 2] == "\\":  # a continued line
            line = text.rfind("\n", 0, line - 2) + 1
        key = (text[line:start].lstrip(), names)
        records = _STATEMENTS.get(key)
        if records is None:
            if len(_STATEMENTS) > 100_000:
                _STATEMENTS.clear()
            records = _STATEMENTS[key] = _statement(*key)
        found += records
    if dynamic:
        for dots, name in _DYNAMIC.findall(text):
            if (dots or name) and _is_dotted(name, allow_empty=bool(dots)):
                found.append((len(dots), name, ()))
    if "pytest_plugins" in text:
        for match in _PLUGINS.finditer(text):
            found += [(0, name, ()) for name in _STRING.findall(match.group(1)) if _is_dotted(name)]
    return tuple(dict.fromkeys(found))


def _statement(head: str, names: str) -> tuple[Record, ...]:
    """The records of one statement: ``head`` is what precedes ``import`` on its line."""
    if head:
        match = _HEAD.fullmatch(head)
        if match is None:
            return ()
        module = match.group(1)
    else:
        module = None
    names = names.replace("\\\n", " ")
    if module is None:
        parts = [part.split() for part in names.split(",")]
        return tuple((0, w[0], ()) for w in parts if _is_alias(w) and _is_dotted(w[0]))
    module = "".join(module.replace("\\\n", " ").split())
    stripped = module.lstrip(".")
    level = len(module) - len(stripped)
    if not (level or stripped) or not _is_dotted(stripped, allow_empty=level > 0):
        return ()
    if "#" in names:
        names = _COMMENT.sub("", names)
    imported = []
    for part in names.strip("() \t\n").split(","):
        words = part.split()
        if _is_alias(words) and (words[0] == "*" or words[0].isidentifier()):
            imported.append(words[0])
    return ((level, stripped, tuple(imported)),) if imported else ()


def _is_alias(words: list[str]) -> bool:
    """``name`` or ``name as alias``."""
    return len(words) == 1 or (len(words) == 3 and words[1] == "as")


def _is_dotted(name: str, allow_empty: bool = False) -> bool:
    if not name:
        return allow_empty
    return all(part.isidentifier() for part in name.split("."))


def _source_roots(
    root: Path,
    files: frozenset[str],
    packages: set[str],
    pythonpath: Iterable[Path],
    outside: Iterable[str],
    pytest_modules: list[str],
) -> tuple[str, ...]:
    """The directories (app-relative) a module name may resolve against: the app, every ``src``
    directory (``src/`` layouts, also of monorepo members), pytest's ``pythonpath``, the
    directories outside the app its tests can import, and for each test file and conftest its
    own directory and the first directory upward without an ``__init__.py`` (what pytest's
    default import mode puts on ``sys.path``)."""
    found = {"", *outside}
    for directory in {path.rpartition("/")[0] for path in files}:
        parts = directory.split("/")
        found.update("/".join(parts[: depth + 1]) for depth, p in enumerate(parts) if p == "src")
    for entry in pythonpath:
        relative = os.path.relpath(os.path.abspath(entry), root)
        if relative == ".":
            found.add("")
        elif not relative.startswith(".."):
            found.add(Path(relative).as_posix())
    for directory in {path.rpartition("/")[0] for path in pytest_modules}:
        found.add(directory)
        while directory in packages and directory:
            directory = directory.rpartition("/")[0]
        found.add(directory)
    return tuple(sorted(found))


def _module_index(files: Iterable[str], roots: Iterable[str]) -> dict[str, list[str]]:
    """Dotted module name -> the files it names, under every source root holding the file."""
    root_set = set(roots)
    index: dict[str, list[str]] = defaultdict(list)
    for path in sorted(files):
        directories = path.split("/")
        stem = directories.pop()[:-3]
        parts = directories if stem == "__init__" else [*directories, stem]
        prefix = ""
        for depth in range(len(directories) + 1):
            if depth:
                prefix = f"{prefix}/{directories[depth - 1]}" if depth > 1 else directories[0]
            if prefix in root_set:
                name = parts[depth:]
                if name and all(part.isidentifier() for part in name):
                    index[".".join(name)].append(path)
    return index


def _resolve_all(
    records: dict[str, tuple[Record, ...]],
    roots: tuple[str, ...],
    known: dict[str, tuple[str, ...]],
    changed: set[str],
) -> dict[str, tuple[str, ...]]:
    """The resolved imports of every file, reusing ``known`` ones of files that did not change."""
    resolved = {path: known[path] for path in records if path not in changed and path in known}
    if len(resolved) == len(records):
        return resolved
    index = _module_index(records, roots)
    files = frozenset(records)
    memo: dict[str, list[str]] = {}
    for path, found in records.items():
        if path not in resolved:
            resolved[path] = tuple(sorted(_resolve(path, found, index, files, memo)))
    return resolved


def _resolve(
    path: str,
    records: tuple[Record, ...],
    index: dict[str, list[str]],
    files: frozenset[str],
    memo: dict[str, list[str]],
) -> set[str]:
    """The files of ``files`` that ``path``'s imports execute (every package ``__init__`` on the
    way included); absolute names go through ``index``, relative ones through the directories."""
    found: set[str] = set()
    directory = path.rpartition("/")[0]
    for level, module, names in records:
        if level:
            found.update(_relative(directory, level, module, names, files))
            continue
        hits = memo.get(module)
        if hits is None:
            hits = memo[module] = _with_parents(module, index)
        found.update(hits)
        for name in names:
            more = index.get(f"{module}.{name}")
            if more:
                found.update(more)
    found.discard(path)
    return found


def _with_parents(module: str, index: dict[str, list[str]]) -> list[str]:
    """The files of ``module`` and of each package above it (``a``, ``a.b`` for ``a.b.c``)."""
    hits = list(index.get(module, ()))
    end = module.find(".")
    while end > 0:
        hits += index.get(module[:end], ())
        end = module.find(".", end + 1)
    return hits


def _relative(
    directory: str, level: int, module: str, names: tuple[str, ...], files: frozenset[str]
) -> list[str]:
    parts = directory.split("/") if directory else []
    if level - 1 > len(parts):
        return []
    base = parts[: len(parts) - level + 1]
    steps = module.split(".") if module else []
    found = []
    for depth in range(len(steps) + 1):
        found += _module_files("/".join(base + steps[:depth]), files, package_only=not depth)
    for name in names:
        found += _module_files("/".join([*base, *steps, name]), files)
    return found


def _module_files(stem: str, files: frozenset[str], package_only: bool = False) -> list[str]:
    """The files of module ``stem`` (``stem.py`` or ``stem/__init__.py``) present in ``files``."""
    package = f"{stem}/__init__.py" if stem else "__init__.py"
    candidates = (package,) if package_only or not stem else (f"{stem}.py", package)
    return [candidate for candidate in candidates if candidate in files]


def _pytest_edges(
    tests: list[str], conftests: list[str], packages: set[str]
) -> dict[str, tuple[str, ...]]:
    """Test file or conftest -> what pytest runs before it: the conftests of its directory and
    parents, and the ``__init__.py`` of each package it is imported through."""
    conftest_dirs = {path.rpartition("/")[0] for path in conftests}
    edges = {}
    for path in [*tests, *conftests]:
        own = path.rpartition("/")[0]
        directory = own
        loaded = []
        in_package = True
        while True:
            in_package = in_package and directory in packages
            if in_package:
                loaded.append(f"{directory}/__init__.py" if directory else "__init__.py")
            if directory in conftest_dirs and not (directory == own and is_conftest(path)):
                loaded.append(f"{directory}/conftest.py" if directory else "conftest.py")
            if not directory:
                break
            directory = directory.rpartition("/")[0]
        if loaded:
            edges[path] = tuple(loaded)
    return edges


def _load_cache(cache_file: Path, root: Path) -> dict[str, Any] | None:
    """The cache's content if it is ours, intact and about ``root``; otherwise None."""
    content = read_cache(cache_file, CACHE_MAGIC)
    if (
        not isinstance(content, dict)
        or content.get("root") != str(root)
        or not isinstance(content.get("entries"), dict)
        or not isinstance(content.get("imports"), dict)
        or not isinstance(content.get("roots"), tuple)
    ):
        return None
    return content


def _save_cache(
    cache_file: Path,
    root: Path,
    entries: dict[str, tuple[Any, ...]],
    roots: tuple[str, ...],
    imports: dict[str, tuple[str, ...]],
    started: int,
) -> None:
    """Write the cache atomically; a cache that cannot be written only costs the next build."""
    trusted_before = started - RACY_NS
    content = {
        "root": str(root),
        "roots": roots,
        "entries": {
            path: entry if entry[1] < trusted_before else (-1, *entry[1:])
            for path, entry in entries.items()
        },
        "imports": imports,
    }
    write_cache(cache_file, CACHE_MAGIC, content)
