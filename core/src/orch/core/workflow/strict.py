"""A cattrs converter that takes each value only as what the schema says it is.

cattrs' own hooks would make ``True`` (YAML's ``yes``) the string ``'True'``, the string ``tests``
the list of its letters and ``1.5`` the whole number ``1``. These raise ``Problem`` instead, saying
what was expected and what came (``write [tests] for a list of one``); a number is a string when
one is asked (YAML reads ``3.10`` as a number), never the reverse.
"""

from __future__ import annotations

import math
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn

from orch.core.shared.documents import describe
from orch.core.workflow.structuring import Problem, each_item

MAX_SECONDS = 30 * 24 * 3600
"""A timeout or heartbeat at most (30 days); ``0`` means none."""


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


def _got(value: Any) -> str:
    """What a wrong value is, in words; a string where a list belongs shows how to write one."""
    if isinstance(value, str) and len(value) <= 60:
        return f"the string {describe(value)} (write [{describe(value)}] for a list of one)"
    return f"the string {describe(value)}" if isinstance(value, str) else describe(value)
