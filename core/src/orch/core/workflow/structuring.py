"""How a mapping of the file becomes a value, and its errors as ``(JSON path, message)``.

A ``Block`` lists a mapping's keys in the file's order, each naming the attribute of the ports
value it fills (``critical`` fills ``critical_markers``) or reading itself into several
(``runner`` fills ``runner`` and ``settings``): the value is made once, with no private copy of
its class in between, and errors and ``valid:`` lists follow the file's order, not the class's.
Problems are gathered as cattrs' error tree (the converter's hooks raise ``Problem`` where a value
is wrong); ``explain`` walks it, never its strings, into one pair per problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

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

from orch.core.shared.documents import Message, describe, join_path
from orch.core.shared.spelling import unknown


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


def _to(item: Any) -> str:
    return " to strings" if item is str else ""


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
