"""Strict cattrs structuring of a document: exactly what the schema says, or an error where it is.

YAML reads ``yes`` where a string belongs and ``tests`` where a list does; cattrs' own hooks would
coerce both. The hooks here accept what the schema declares, raise ``Problem`` at the value that is
wrong, and ``explain`` walks the cattrs error tree they build (never its strings) into
``(JSON path, message)`` pairs. ``Block`` is how a mapping of the file becomes a ports value: its
keys in the file's order, each naming the attribute it fills (``critical`` fills
``critical_markers``) or reading itself into several (``runner`` fills ``runner`` and
``settings``), so the value is made once, with no private copy of its class in between.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, get_args, get_origin

import attrs
import cattrs
from attrs import frozen
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from orch.core.plugins import unknown
from orch.core.shared.documents import Message, describe, join_path

MAX_SECONDS = 30 * 24 * 3600
"""A timeout or heartbeat at most (30 days); ``0`` means none."""


class Problem(Exception):
    """A problem found by a structure hook, reported at the path where it was found."""

    def __init__(self, message: Message) -> None:
        super().__init__()
        self.message = message


class Nested(Exception):
    """An error inside a named sub-block (the runner's settings), to extend the JSON path."""

    def __init__(self, key: str, error: Exception) -> None:
        super().__init__(key)
        self.key = key
        self.error = error


@frozen
class Key:
    """One key of a block: structured as ``type`` into the attribute ``to`` (the key's own name
    when empty), or by ``read`` into the attributes it returns; ``required`` keys must be there."""

    name: str
    type: Any = None
    to: str = ""
    required: bool = False
    read: Callable[[Any], dict[str, Any]] | None = None


@frozen
class Block:
    """A mapping of the file: its keys in the file's order (errors and ``valid:`` lists follow
    it), and ``make``, called with the attributes they filled plus the ones its caller gives."""

    keys: tuple[Key, ...]
    make: Callable[..., Any] = dict
    names: tuple[str, ...] = attrs.field(init=False)
    known: frozenset[str] = attrs.field(init=False)

    @names.default
    def _names(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys)

    @known.default
    def _known(self) -> frozenset[str]:
        return frozenset(self.names)


def structure_block(converter: cattrs.Converter, block: Block, value: Any, **given: Any) -> Any:
    """``block.make`` of ``value``'s keys structured, every problem of the block raised at once."""
    if not isinstance(value, dict):
        raise Problem(f"expected a mapping of settings, got {describe(value)}")
    done, errors = dict(given), []
    for key in block.keys:
        if key.name not in value:
            if key.required:
                errors.append(_noted(KeyError(key.name), key.name))
            continue
        try:
            if key.read is not None:
                done.update(key.read(value[key.name]))
            else:
                done[key.to or key.name] = converter.structure(value[key.name], key.type)
        except Exception as exc:
            errors.append(_noted(exc, key.name))
    extra = value.keys() - block.known
    if extra:
        errors.append(ForbiddenExtraKeysError("", block, extra))  # type: ignore[arg-type]
    if errors:
        raise ClassValidationError("while structuring a block", errors, block)  # type: ignore[arg-type]
    try:
        return block.make(**done)
    except Exception as exc:
        raise ClassValidationError("while making a block", [exc], block) from exc  # type: ignore[arg-type]


def _noted(exc: Exception, name: str) -> Exception:
    exc.__notes__ = [*getattr(exc, "__notes__", []), AttributeValidationNote(name, name, None)]
    return exc


def each_item(value: Any, item: Any, structure: Callable[[str, Any], Any]) -> dict[str, Any]:
    """A mapping of names to ``item``s, each structured by ``structure(name, raw)``."""
    if not isinstance(value, dict):
        raise Problem(f"expected a mapping of names{_to(item)}, got {describe(value)}")
    done, errors = {}, []
    for key, raw in value.items():
        try:
            done[key] = structure(key, raw)
        except Exception as exc:
            exc.__notes__ = [IterableValidationNote(f"@ key {key}", key, item)]
            errors.append(exc)
    if errors:
        raise IterableValidationError(f"while structuring names to {item}", errors, dict)
    return done


def strict_converter() -> cattrs.Converter:
    """A converter taking each scalar only as itself (a number may be a string: YAML reads
    ``3.10`` as one), lists only as lists, and any attrs class as a block of its fields."""
    converter = cattrs.Converter(forbid_extra_keys=True)

    def structure_list(value: Any, kind: Any) -> list[Any] | tuple[Any, ...]:
        (item, *_) = get_args(kind)
        if not isinstance(value, list):
            raise Problem(f"expected a list{_of(item)}, got {_got(value)}")
        done, errors = [], []
        for index, raw in enumerate(value):
            try:
                done.append(converter.structure(raw, item))
            except Exception as exc:
                exc.__notes__ = [IterableValidationNote(f"@ index {index}", index, item)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"while structuring {kind}", errors, kind)
        return done if get_origin(kind) is list else tuple(done)

    def structure_dict(value: Any, kind: Any) -> dict[str, Any]:
        _key, item = get_args(kind)
        return each_item(value, item, lambda _name, raw: converter.structure(raw, item))

    def structure_attrs(cls: type) -> Any:
        made: Any = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True)

        def structure(value: Any, kind: type) -> Any:
            if not isinstance(value, dict):
                raise Problem(f"expected a mapping of settings, got {describe(value)}")
            return made(value, kind)

        return structure

    converter.register_structure_hook_factory(attrs.has, structure_attrs)
    converter.register_structure_hook_func(
        lambda kind: (
            get_origin(kind) is list or (get_origin(kind) is tuple and get_args(kind)[1:] == (...,))
        ),
        structure_list,
    )
    converter.register_structure_hook_func(lambda kind: get_origin(kind) is dict, structure_dict)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_strict_int)
    converter.register_structure_hook(float, _structure_number)
    converter.register_structure_hook(str, _structure_str)
    return converter


def _structure_strict_int(value: Any, _type: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Problem(f"expected a whole number, got {describe(value)}")
    if value.bit_length() > 63:
        raise Problem(f"expected a whole number below 2**63, got {describe(value)}")
    return value


def _structure_number(value: Any, _type: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Problem(f"expected a number of seconds, got {describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise Problem(f"expected a finite number of seconds (0: none), got {describe(value)}")
    if value > MAX_SECONDS:
        raise Problem(f"at most {MAX_SECONDS:,} seconds (30 days), got {describe(value)}")
    return float(value)


def _structure_str(value: Any, _type: type) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise Problem(f"expected a string, got {describe(value)}")
    return value if isinstance(value, str) else str(value)  # at most 100 digits when read


def _structure_bool(value: Any, _type: type) -> bool:
    if not isinstance(value, bool):
        raise Problem(f"expected true or false, got {describe(value)}")
    return value


_KINDS = {str: "strings", int: "whole numbers", float: "numbers"}


def _of(item: Any) -> str:
    if item in _KINDS:
        return f" of {_KINDS[item]}"
    return " of mappings" if attrs.has(item) else ""


def _to(item: Any) -> str:
    return " to strings" if item is str else ""


def _got(value: Any) -> str:
    """What a wrong value is, in words; a string where a list belongs shows how to write one."""
    if isinstance(value, str) and len(value) <= 60:
        return f"the string {describe(value)} (write [{describe(value)}] for a list of one)"
    return f"the string {describe(value)}" if isinstance(value, str) else describe(value)


def shown(value: Any) -> str:
    """A name cut short enough to quote in a message (``unknown`` adds the quotes)."""
    if isinstance(value, str):
        return value if len(value) <= 60 else f"{value[:57]}..."
    return describe(value)


def explain(exc: BaseException, path: str) -> Iterator[tuple[str, Message]]:
    """Walk a cattrs error tree into (JSON path, message) pairs."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                yield from explain(sub, join_path(path, note.name))
            elif isinstance(note, IterableValidationNote):
                yield from explain(sub, join_path(path, note.index))
            else:
                yield from explain(sub, path)
        for sub in without:
            yield from explain(sub, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = exc.cl.names if isinstance(exc.cl, Block) else attrs.fields_dict(exc.cl)
        for key in sorted(exc.extra_fields, key=str):
            yield (
                join_path(path, key),
                partial(unknown, "key", key, list(known), "valid", named=False),
            )
    elif isinstance(exc, Nested):
        yield from explain(exc.error, join_path(path, exc.key))
    elif isinstance(exc, Problem):
        yield path, exc.message
    elif isinstance(exc, KeyError):
        yield path, "required key is missing"
    else:
        yield path, f"invalid value ({type(exc).__name__}: {describe(str(exc), 120)})"
