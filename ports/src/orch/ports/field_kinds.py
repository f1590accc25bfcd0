"""The FieldKind port: one kind of generated value (``uuid``, ``email``, ``enum:a,b``).

Core reads a schema, orders the entities, and draws every field from a random stream of its
own (seeded by the dataset's seed, the entity's and the field's names), so that adding a field
or changing one's kind changes no other field's values. A kind only turns a stream into a
column: ``values(rng, count, options, locale)`` returns ``count`` values at once, which is what
lets a kind draw them in bulk (``rng.choices``) rather than one Python call per row.

References (``ref:``), ``unique`` and ``nullable`` belong to core, not to kinds. Built-in kinds
come from core and ``orch-mimesis`` (locale data: names, emails, addresses); a plugin adds its
own through ``orch_register_field_kinds``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable


@runtime_checkable
class FieldKind(Protocol):
    """One kind of field value."""

    PLUGIN_NAME: ClassVar[str]
    """Its name in a schema: ``email`` (``email`` or ``{kind: email}``)."""

    VERSION: ClassVar[str]
    """Changes whenever the values it draws from the same stream change (new data, another
    algorithm): it is part of every dataset version, so a pinned version that this kind can no
    longer reproduce is refused instead of silently differing."""

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        """The options checked and completed with defaults: ``given`` is the field's mapping
        without ``kind``, ``unique`` and ``nullable`` (the shorthand ``enum:a,b`` gives
        ``{"argument": "a,b"}``). A wrong option raises ``ValueError`` whose message starts
        with the option's key (``"max: must be at least min (3), got 1"``)."""

    def column_type(self, options: Mapping[str, Any]) -> str:
        """What the values are: one of ``orch.ports.data.COLUMN_TYPES``."""

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        """How many distinct values it can draw (None: too many to run out of), so that core
        refuses a ``unique`` field with more rows than that before generating anything."""

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        """``count`` values drawn from ``rng`` alone (JSON values, see ``orch.ports.data``)."""
