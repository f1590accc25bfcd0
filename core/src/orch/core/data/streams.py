"""One random stream per (seed, entity, field, purpose), derived from sha256 of those names.

Each field draws from its own stream, never from one shared generator, so adding an entity or a
field, or changing one field's kind, changes no other field's values; and sha256 (not
``hash()``) makes the streams the same in every process, whatever ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import hashlib
import random

VALUES = "values"
NULLS = "nulls"
COUNT = "count"


def stream(seed: int, entity: str, field: str = "", purpose: str = VALUES) -> random.Random:
    """The stream of ``purpose`` (values, nulls, count) of ``field`` of ``entity``."""
    key = "\0".join((str(seed), entity, field, purpose)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest(), "big"))
