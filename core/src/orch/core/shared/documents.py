"""Reading a YAML or JSON file into plain data within documented limits, one line per problem.

Workflow files, Allure ``categories.json`` and anything else a user hands orch go through
``load_document``: it never recurses on the input (no ``RecursionError``), stops early at a
limit (a YAML alias bomb or a million-item list costs no more than the limit), rejects duplicate
keys, non-string keys, NUL characters and integers too long to convert, and names the place of
every problem as a JSON path. ``describe`` formats any value for an error message in bounded
time and space: it never ``repr``s a whole value.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from attrs import frozen

from orch.ports import ConfigError

MAX_FILE_BYTES = 32 * 1024 * 1024
"""A file larger than this is not read (32 MiB)."""
MAX_DEPTH = 64
"""Lists and mappings nest at most this deep."""
MAX_ENTRIES = 100_000
"""Items in one list, or keys in one mapping."""
MAX_VALUES = 2_000_000
"""Values in a whole document, YAML aliases counted every time they are used."""
MAX_STRING = 65_536
"""Characters in one string (a key, a path, a command line)."""
MAX_INT_DIGITS = 100
"""Digits in one integer (Python refuses to convert past 4,300)."""
MAX_PROBLEMS = 20
"""Problems listed in one error; the rest are counted on a last line."""


@frozen
class _TooManyDigits:
    """A JSON integer too long to convert, kept as its length so the problem gets its path."""

    digits: int


class _DuplicateKeys(dict):  # type: ignore[type-arg]
    """A JSON object that repeated a key (the first repeated key is kept for the message)."""

    repeated: str = ""


def describe(value: Any, width: int = 60) -> str:
    """``value`` for an error message, at most about ``width`` characters, in bounded time: a
    string is cut before it is quoted, a container is named by its size, never formatted."""
    if isinstance(value, str):
        cut = value if len(value) <= width else value[: width - 3] + "..."
        shown = repr(cut)
        return shown if len(value) <= width else f"{shown} ({len(value):,} characters)"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int):
        if value.bit_length() > 64:
            return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        return {math.inf: ".inf", -math.inf: "-.inf"}.get(value, repr(value))
    if isinstance(value, _TooManyDigits):
        return f"an integer of {value.digits:,} digits"
    if isinstance(value, dict):
        return f"a mapping of {_count(len(value), 'key')}" if value else "an empty mapping"
    if isinstance(value, list | tuple):
        return f"a list of {_count(len(value), 'item')}" if value else "an empty list"
    return f"a {type(value).__name__} value"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def join_path(path: str, key: object) -> str:
    """``$.a.b`` / ``$.a[3]`` / ``$.a['odd key']``; a long key is cut so the path stays short."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    if isinstance(key, str) and _PLAIN.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{describe(key, 40)}]"


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")


Message = str | Callable[[], str]
"""A problem's words, or how to make them when shown: a suggestion (``did you mean``) costs
time, and a file with 100,000 mistakes shows only ``MAX_PROBLEMS`` of them."""


def located(where: str, what: Message) -> Callable[[], str]:
    """The line ``where: what``, made when it is shown."""
    return lambda: f"{where}: {what if isinstance(what, str) else what()}"


def problem_lines(name: str, lines: Iterable[Message]) -> str:
    """The first ``MAX_PROBLEMS`` of ``lines``, then one line (starting with ``name``) counting
    the rest: a file with 20,000 mistakes is not 20,000 lines of output."""
    shown: list[str] = []
    more = 0
    for line in lines:
        if len(shown) < MAX_PROBLEMS:
            shown.append(line if isinstance(line, str) else line())
        else:
            more += 1
    if more:
        shown.append(f"{name}: {more:,} more problems not shown; fix these first")
    return "\n".join(shown)


def read_user_text(path: Path, name: str, limit: int, what: str = "file") -> str:
    """The UTF-8 text of a file a user hands orch, at most ``limit`` bytes; ``name`` starts the
    error line. A missing file raises FileNotFoundError (callers word it); any other problem a
    one-line ConfigError."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ConfigError(f"{name}: the {what} has {size:,} bytes; the limit is {limit:,}")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name}: not UTF-8 text (byte {exc.start:,}); save it as UTF-8"
        ) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"{name}: cannot read {what}: {reason}") from None


def load_document(path: Path, name: str, what: str = "file", as_json: bool | None = None) -> Any:
    """The data of the YAML or JSON file at ``path`` (JSON when ``as_json``, by default when
    it ends in ``.json``); ``name`` starts every error line, ``what`` the file is says what is
    missing. Raises ``ConfigError`` (one line) on any problem."""
    try:
        text = read_user_text(path, name, MAX_FILE_BYTES, what)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    if path.suffix == ".json" if as_json is None else as_json:
        return _check(_json(text, name), name)
    return _Builder(name).build(text)


def _json(text: str, name: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(items)
        if len(found) == len(items):
            return found
        counts = Counter(key for key, _ in items)
        marked = _DuplicateKeys(found)
        marked.repeated = next(key for key, _ in items if counts[key] > 1)
        return marked

    def integer(digits: str) -> int | _TooManyDigits:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            return _TooManyDigits(len(digits.lstrip("-")))
        return int(digits)

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_int=integer)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise ConfigError(f"{name}: $: nested deeper than {MAX_DEPTH} levels") from None


def _check(data: Any, name: str) -> Any:
    """Walk JSON data without recursion, raising at the first value past a limit."""
    count = 0
    stack: list[tuple[Any, str, int]] = [(data, "$", 0)]
    while stack:
        value, where, depth = stack.pop()
        count += 1
        problem = _scalar_problem(value)
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                problem = f"nested deeper than {MAX_DEPTH} levels"
            elif len(value) > MAX_ENTRIES:
                problem = f"{describe(value)}; the limit is {MAX_ENTRIES:,}"
            elif isinstance(value, _DuplicateKeys):
                problem = f"duplicate key {describe(value.repeated)}"
            elif isinstance(value, dict):
                for key, item in value.items():
                    if len(key) > MAX_STRING or "\0" in key:
                        problem = _scalar_problem(key)
                        break
                    stack.append((item, join_path(where, key), depth + 1))
            else:
                stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
        if problem:
            raise ConfigError(f"{name}: {where}: {problem}")
        if count > MAX_VALUES:
            raise ConfigError(f"{name}: {where}: more than {MAX_VALUES:,} values in the file")
    return data


def _scalar_problem(value: Any) -> str:
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            return f"a string of {len(value):,} characters; the limit is {MAX_STRING:,}"
        if "\0" in value:
            return f"{describe(value)} holds a NUL character"
    elif isinstance(value, _TooManyDigits):
        return f"{describe(value)}; the limit is {MAX_INT_DIGITS} digits"
    return ""


_MERGE = object()
"""The YAML merge key ``<<``."""
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_INT = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Frame:
    """A list or mapping being built: where it sits (its parent and its key there), its pending
    key, the mappings ``<<`` merges into it, and how many values preceded it (for its size)."""

    __slots__ = ("value", "parent", "slot", "key", "has_key", "merges", "start", "anchor")

    def __init__(
        self, value: Any, parent: _Frame | None, slot: Any, start: int, anchor: str | None
    ) -> None:
        self.value = value
        self.parent = parent
        self.slot = slot
        self.key: Any = None
        self.has_key = False
        self.merges: list[dict[str, Any]] = []
        self.start = start
        self.anchor = anchor

    def where(self) -> str:
        """This container's JSON path."""
        slots = []
        frame: _Frame | None = self
        while frame is not None and frame.parent is not None:
            slots.append(frame.slot)
            frame = frame.parent
        path = "$"
        for slot in reversed(slots):
            path = join_path(path, slot)
        return _short(path)

    def next_slot(self) -> Any:
        """The key (or index) the next value will sit at."""
        return len(self.value) if isinstance(self.value, list) else self.key


def _short(path: str) -> str:
    return path if len(path) <= 160 else f"{path[:80]}...{path[-60:]}"


def yaml_loader() -> Any:
    """PyYAML's safe loader class: libyaml's ``CSafeLoader`` when PyYAML was built with it
    (ten times faster), else the pure-Python ``SafeLoader``; only its parser is used."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Builder:
    """Builds YAML data from the parser's events: no recursion, every limit checked as it
    goes (so a bomb stops at the limit), duplicate and non-string keys refused, ``<<`` merged.
    Uses libyaml's parser when PyYAML has it (``CSafeLoader``), the pure-Python one otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.top: _Frame | None = None
        self.depth = 0
        self.root: Any = None
        self.documents = 0
        self.plain: dict[str, str] = {}

    def build(self, text: str) -> Any:
        import yaml  # only documents need it; imported here to keep every command quick to start

        loader = yaml_loader()(text)
        handlers = {
            yaml.ScalarEvent: self._on_scalar,
            yaml.AliasEvent: self._on_alias,
            yaml.SequenceStartEvent: self._on_start,
            yaml.MappingStartEvent: self._on_start,
            yaml.SequenceEndEvent: self._on_end,
            yaml.MappingEndEvent: self._on_end,
            yaml.DocumentStartEvent: self._on_document,
        }
        try:
            while True:
                event = loader.get_event()
                if event is None or isinstance(event, yaml.StreamEndEvent):
                    break
                handler = handlers.get(type(event))
                if handler is not None:
                    handler(loader, event)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"{self.name}{where}: malformed YAML: {problem}") from None
        finally:
            loader.dispose()
        return self.root

    def _fail(self, event: Any, what: str, frame: _Frame | None = None, slot: Any = None) -> None:
        """Raise the problem at ``event``: in ``frame`` at ``slot`` (default: where the next
        value goes)."""
        if frame is None and slot is None:
            frame = self.top
            slot = (
                frame.next_slot()
                if frame is not None and (isinstance(frame.value, list) or frame.has_key)
                else None
            )
        where = "$" if frame is None else frame.where()
        if slot is not None:
            where = _short(join_path(where, slot))
        mark = event.start_mark
        raise ConfigError(f"{self.name}:{mark.line + 1}:{mark.column + 1}: {where}: {what}")

    def _count(self, event: Any, size: int) -> None:
        self.count += size
        if self.count > MAX_VALUES:
            self._fail(event, f"more than {MAX_VALUES:,} values (aliases count each use)")

    def _on_document(self, _loader: Any, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise ConfigError(
                f"{self.name}:{event.start_mark.line + 1}:1: $: "
                "more than one YAML document (---) in the file"
            )

    def _on_scalar(self, loader: Any, event: Any) -> None:
        self._count(event, 1)
        try:
            value = _scalar(loader, event, self.plain)
        except _BadScalar as problem:
            self._fail(event, str(problem))
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        self._add(value, event)

    def _on_alias(self, _loader: Any, event: Any) -> None:
        if event.anchor not in self.anchors:
            self._fail(event, f"unknown alias *{describe(event.anchor, 40)}")
        value, size = self.anchors[event.anchor]
        self._count(event, size)
        self._add(value, event)

    def _on_start(self, _loader: Any, event: Any) -> None:
        import yaml

        self._count(event, 1)
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", _MAP if mapping else _SEQ):
            self._fail(event, f"unsupported tag {describe(event.tag, 40)}")
        if self.depth >= MAX_DEPTH:
            self._fail(event, f"nested deeper than {MAX_DEPTH} levels")
        top = self.top
        slot = top.next_slot() if top is not None else None
        self.top = _Frame({} if mapping else [], top, slot, self.count, event.anchor)
        self.depth += 1

    def _on_end(self, _loader: Any, event: Any) -> None:
        frame = self.top
        assert frame is not None  # the parser pairs every end with a start
        self.top = frame.parent
        self.depth -= 1
        for source in frame.merges:
            for key, item in source.items():
                frame.value.setdefault(key, item)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.value, self.count - frame.start + 1)
        self._add(frame.value, event)

    def _add(self, value: Any, event: Any) -> None:
        frame = self.top
        if frame is None:
            self.root = value
            return
        container = frame.value
        if type(container) is list:
            if len(container) >= MAX_ENTRIES:
                self._fail(event, f"more than {MAX_ENTRIES:,} items", frame)
            container.append(value)
        elif not frame.has_key:
            if value is not _MERGE and type(value) is not str:
                self._fail(event, _key_problem(value), frame)
            if value in container:
                self._fail(event, "duplicate key", frame, value)
            if len(container) >= MAX_ENTRIES:
                self._fail(event, f"more than {MAX_ENTRIES:,} keys", frame)
            frame.key, frame.has_key = value, True
        else:
            if frame.key is _MERGE:
                sources = value if isinstance(value, list) else [value]
                if not all(isinstance(source, dict) for source in sources):
                    self._fail(event, "<< merges a mapping or a list of mappings", frame)
                frame.merges.extend(sources)
            else:
                container[frame.key] = value
            frame.has_key = False


class _BadScalar(Exception):
    """A scalar value orch refuses; the builder adds where it is."""


def _scalar(loader: Any, event: Any, plain: dict[str, str]) -> Any:
    """The value of a scalar event, by its tag (a plain scalar's resolved once per text, in
    ``plain``); a value orch refuses raises ``_BadScalar`` saying why."""
    import yaml

    value = event.value
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            tag = _STR  # quoted: a string
        else:
            tag = plain.get(value) or loader.resolve(yaml.ScalarNode, value, (True, False))
            if len(plain) < 10_000:
                plain[value] = tag
    if tag == _STR:
        problem = _scalar_problem(value)
        if problem:
            raise _BadScalar(problem)
        return value
    if tag == _MERGE_TAG:
        return _MERGE
    if tag == _INT and len(value) > MAX_INT_DIGITS:
        raise _BadScalar(f"an integer of {len(value):,} characters; the limit is {MAX_INT_DIGITS}")
    construct = loader.yaml_constructors.get(tag)
    if construct is None or tag in (_SEQ, _MAP) or len(value) > MAX_STRING:
        raise _BadScalar(f"unsupported tag {describe(tag, 40)}")
    node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
    try:
        return construct(loader, node)
    except Exception:  # PyYAML's constructors raise anything on a bad value (2020-02-30)
        kind = tag.rsplit(":", 1)[-1]
        raise _BadScalar(f"{describe(value)} is not a valid {describe(kind, 20)[1:-1]}") from None


def _key_problem(key: Any) -> str:
    if isinstance(key, int | float | bool) or key is None:
        return f'key {describe(key)} is not a string; quote it ("{describe(key)}")'
    return f"a key is {describe(key)}; keys must be strings"


def within(where: str, key: str) -> str:
    """``where.key``, or ``where`` then ``key`` when ``where`` is a prefix ending in ": "
    (``test data 'NAME': generators``, as the Python API shows its paths)."""
    return f"{where}{key}" if where.endswith(": ") else f"{where}.{key}"


def split_problem(line: str) -> tuple[str, str]:
    """A problem line (``$.test_data.x.count: must be ...``) as (where, what)."""
    where, _, what = line.partition(": ")
    return where, what


def shown(value: Any) -> str:
    """A name cut short enough to quote in a message (``unknown`` adds the quotes)."""
    if isinstance(value, str):
        return value if len(value) <= 60 else f"{value[:57]}..."
    return describe(value)


def is_whole(value: object) -> bool:
    """An int that is not a bool (YAML's ``true`` is one to Python)."""
    return isinstance(value, int) and not isinstance(value, bool)
