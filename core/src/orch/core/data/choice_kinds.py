"""The built-in kinds that are not numbers or times: ``uuid`` (uuid4's layout, its bits from
the field's stream, not ``uuid.uuid4()``), ``bool``, ``enum``, ``sequence`` and ``json``."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from orch.core.data.kind_options import only, share, whole
from orch.core.shared.documents import describe

_VERSION_4 = (0x4 << 76) | (0x2 << 62)
_KEEP = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


class UuidKind:
    """Random UUIDs in the uuid4 layout (version 4, RFC 4122 variant)."""

    PLUGIN_NAME: ClassVar[str] = "uuid"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, (), "uuid")
        return {}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "uuid"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return None

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        bits = rng.getrandbits
        hexes = (f"{(bits(128) & _KEEP) | _VERSION_4:032x}" for _ in range(count))
        return [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes]


class BoolKind:
    """True with ``probability`` (default 0.5)."""

    PLUGIN_NAME: ClassVar[str] = "bool"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("probability",), "bool")
        return {"probability": share(given, "probability", 0.5)}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "bool"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return 1 if options["probability"] in (0, 1) else 2

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        chance, draw = options["probability"], rng.random
        return [draw() < chance for _ in range(count)]


class EnumKind:
    """One of ``values`` (``enum:a,b,c`` or ``values: [a, b, c]``), by ``weights`` if given."""

    PLUGIN_NAME: ClassVar[str] = "enum"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("argument", "values", "weights"), "enum")
        values = given.get("values")
        if values is None and not given.get("argument"):
            raise ValueError("values: an enum needs its values: enum:a,b,c or values: [a, b, c]")
        if values is None:
            values = [value.strip() for value in str(given.get("argument", "")).split(",")]
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(value, str) and value for value in values)
        ):
            raise ValueError(
                f"values: must be a list of strings (or enum:a,b,c); got {describe(values)}"
            )
        if len(set(values)) != len(values):
            raise ValueError("values: each value must appear once (use weights to favour one)")
        weights = given.get("weights")
        if weights is not None and (
            not isinstance(weights, list)
            or len(weights) != len(values)
            or not all(_weight(w) for w in weights)
            or not any(weights)
        ):
            raise ValueError(
                f"weights: must be {len(values)} numbers of 0 or more, one per "
                f"value, not all 0; got {describe(weights)}"
            )
        return {"values": values, "weights": weights}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "text"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        weights = options["weights"]
        return len(options["values"]) if weights is None else sum(1 for w in weights if w)

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        return rng.choices(options["values"], weights=options["weights"], k=count)


def _weight(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


class SequenceKind:
    """``start``, ``start + step``, ... in row order (default 1, 1): no randomness."""

    PLUGIN_NAME: ClassVar[str] = "sequence"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("start", "step"), "sequence")
        step = whole(given, "step", 1)
        if step == 0:
            raise ValueError("step: must not be 0 (every row would have the same value)")
        return {"start": whole(given, "start", 1), "step": step}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "int"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return None

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        start, step = options["start"], options["step"]
        return list(range(start, start + step * count, step))


class JsonKind:
    """A small object (``{"code": "k3f9a", "level": 4, "active": true}``); with ``schema``
    (``{key: kind}``) the engine draws each key as a field of its own
    (``orch.core.data.columns``)."""

    PLUGIN_NAME: ClassVar[str] = "json"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("schema",), "json")
        schema = given.get("schema")
        if schema is not None and (not isinstance(schema, Mapping) or not schema):
            raise ValueError(
                f"schema: must map each key to its kind ({{plan: 'enum:a,b'}}); "
                f"got {describe(schema)}"
            )
        return {} if schema is None else {"schema": dict(schema)}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "json"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        return None

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        letters, draw = "abcdefghijklmnopqrstuvwxyz0123456789", rng.random
        return [
            {
                "code": "".join(rng.choices(letters, k=5)),
                "level": rng.randrange(10),
                "active": draw() < 0.5,
            }
            for _ in range(count)
        ]
