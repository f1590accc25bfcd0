"""Reading a built-in kind's options: each wrong one a ``ValueError`` starting with its key
(the FieldKind port's rule), so validation can put the field's path in front of it; and the
draw that the numeric kinds share (uniform or a clamped normal over whole units)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from orch.core.shared.documents import describe
from orch.core.shared.spelling import unknown

T = TypeVar("T")
DISTRIBUTIONS = ("uniform", "normal")


def only(given: Mapping[str, Any], keys: Iterable[str], kind: str) -> None:
    """Refuse a key that ``kind`` does not take."""
    keys = list(keys)
    for key in given:
        if key in keys:
            continue
        if not keys:
            raise ValueError(f"{key}: {kind} takes no options")
        raise ValueError(f"{key}: {unknown(f'option of {kind}', key, keys, 'valid', False)}")


def whole(given: Mapping[str, Any], key: str, default: int) -> int:
    value = given.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key}: must be a whole number; got {describe(value)}")
    return value


def share(given: Mapping[str, Any], key: str, default: float) -> float:
    value = given.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{key}: must be a number from 0 to 1; got {describe(value)}")
    return float(value)


def bounds(
    given: Mapping[str, Any], parse: Callable[[Any, str], T], low: T, high: T
) -> tuple[T, T]:
    """``min``/``max`` (or ``start``/``end`` by the caller's keys) from ``argument: "1..100"`` or
    the keys; ``parse(value, key)`` reads one and raises ``ValueError("key: ...")``."""
    keys = ("start", "end") if "start" in given or "end" in given else ("min", "max")
    argument = given.get("argument")
    if argument:
        first, dots, last = str(argument).partition("..")
        if not dots:
            raise ValueError(f"argument: must be a range 'LOW..HIGH'; got {describe(argument)}")
        low, high = parse(first.strip(), "argument"), parse(last.strip(), "argument")
    else:
        low = parse(given[keys[0]], keys[0]) if keys[0] in given else low
        high = parse(given[keys[1]], keys[1]) if keys[1] in given else high
    if high < low:  # type: ignore[operator]
        raise ValueError(f"{keys[1]}: must be at least {keys[0]} ({low}); got {high}")
    return low, high


def distribution(given: Mapping[str, Any], low: float, high: float) -> dict[str, Any]:
    """``distribution`` (uniform, normal) and, for normal, ``mean`` and ``stddev``."""
    name = given.get("distribution", "uniform")
    if name not in DISTRIBUTIONS:
        raise ValueError(f"distribution: {unknown('distribution', name, DISTRIBUTIONS)}")
    if name == "uniform":
        return {"distribution": name}
    mean, stddev = given.get("mean", (low + high) / 2), given.get("stddev", (high - low) / 6)
    for key, value in (("mean", mean), ("stddev", stddev)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value < 0
            and (key == "stddev")
        ):
            raise ValueError(f"{key}: must be a number (stddev 0 or more); got {describe(value)}")
    return {"distribution": name, "mean": mean, "stddev": stddev}


def draw_units(
    rng: random.Random, count: int, low: int, high: int, options: Mapping[str, Any], unit: float
) -> list[int]:
    """``count`` whole numbers in ``[low, high]``: uniform, or normal (``mean``/``stddev`` in
    the options, given in the caller's scale; ``unit`` turns them into whole units) and clamped."""
    if options.get("distribution", "uniform") == "uniform":
        return rng.choices(range(low, high + 1), k=count)
    mean, stddev = options["mean"] / unit, options["stddev"] / unit
    gauss = rng.gauss
    return [min(high, max(low, round(gauss(mean, stddev)))) for _ in range(count)]
