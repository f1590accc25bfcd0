"""The numeric built-in kinds: ``int`` and ``decimal`` (exact digits as strings, ``"12.50"``),
each uniform or a clamped normal over whole units, drawn as a whole column at once."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from orch.core.data.kind_options import bounds, distribution, draw_units, only, whole
from orch.core.shared.documents import describe

_DISTRIBUTION_KEYS = ("distribution", "mean", "stddev")


def _int(value: Any, key: str) -> int:
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key}: must be a whole number; got {describe(value)}")
    return value


class IntKind:
    """Whole numbers from ``min`` to ``max`` (``int:1..100``; default 0..1000000)."""

    PLUGIN_NAME: ClassVar[str] = "int"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("argument", "min", "max", *_DISTRIBUTION_KEYS), "int")
        low, high = bounds(given, _int, 0, 1_000_000)
        return {"min": low, "max": high, **distribution(given, low, high)}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "int"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return int(options["max"]) - int(options["min"]) + 1

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        return draw_units(rng, count, options["min"], options["max"], options, 1)


def _decimal(value: Any, key: str) -> Decimal:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{key}: must be a number such as 12.50; got {describe(value)}") from None
    if not number.is_finite():
        raise ValueError(f"{key}: must be a finite number; got {describe(value)}")
    return number


class DecimalKind:
    """Exact decimals from ``min`` to ``max`` with ``scale`` digits after the point (default
    0..1000, scale 2), as strings: ``"12.50"``."""

    PLUGIN_NAME: ClassVar[str] = "decimal"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("argument", "min", "max", "scale", *_DISTRIBUTION_KEYS), "decimal")
        scale = whole(given, "scale", 2)
        if not 0 <= scale <= 18:
            raise ValueError(f"scale: must be from 0 to 18 digits after the point; got {scale}")
        low, high = bounds(given, _decimal, Decimal(0), Decimal(1000))
        chosen = distribution(given, float(low), float(high))
        return {"min": str(low), "max": str(high), "scale": scale, **chosen}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "decimal"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        low, high = _units(options)
        return high - low + 1

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        low, high = _units(options)
        scale = options["scale"]
        units = draw_units(rng, count, low, high, options, 10.0**-scale)
        return [_shown(unit, scale) for unit in units]


def _units(options: Mapping[str, Any]) -> tuple[int, int]:
    """The range in whole units of ``10**-scale``, inside ``[min, max]``."""
    step = Decimal(1).scaleb(-options["scale"])
    low = (Decimal(options["min"]) / step).to_integral_value(rounding="ROUND_CEILING")
    high = (Decimal(options["max"]) / step).to_integral_value(rounding="ROUND_FLOOR")
    return int(low), max(int(low), int(high))


def _shown(unit: int, scale: int) -> str:
    if scale == 0:
        return str(unit)
    sign, digits = ("-" if unit < 0 else ""), str(abs(unit)).rjust(scale + 1, "0")
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}"
