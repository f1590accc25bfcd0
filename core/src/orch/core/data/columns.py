"""One field's column: drawn by its kind from the field's own stream as a whole column, made
distinct when ``unique`` (duplicates redrawn from the same stream, so deterministically), left
null for its ``nullable`` share (a stream of its own), and a ``json`` field with a ``schema``
assembled from one sub-stream per key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from orch.core.data.streams import NULLS, stream
from orch.core.shared.data_spec import field_from
from orch.ports.data import FieldSpec
from orch.ports.errors import DataProblem
from orch.ports.field_kinds import FieldKind

MAX_ROUNDS = 10_000
"""Redraws of a unique field's duplicates before giving up (its kind has too few values)."""


def completed(field: FieldSpec, kinds: Mapping[str, FieldKind], locale: str) -> Mapping[str, Any]:
    """The field's options checked and completed by its kind."""
    return kinds[field.kind].options(field.options, locale)


def nested_fields(options: Mapping[str, Any], where: str) -> tuple[list[FieldSpec], list[str]]:
    """The fields of a ``json`` field's ``schema``, and the problems of their syntax."""
    fields, problems = [], []
    for key, given in options.get("schema", {}).items():
        field, field_problems = field_from(key, given, f"{where}.schema.{key}")
        problems += field_problems
        if field is not None:
            fields.append(field)
    return fields, problems


@frozen
class Drawing:
    """What every column of one entity is drawn with: the seed, the entity, the kinds, the
    locale."""

    seed: int
    entity: str
    kinds: Mapping[str, FieldKind]
    locale: str

    def column(self, path: str, field: FieldSpec, count: int) -> list[Any]:
        """The values of ``field`` at ``path`` (``details.plan`` when nested in a json)."""
        kind = self.kinds[field.kind]
        options = completed(field, self.kinds, self.locale)
        rng = stream(self.seed, self.entity, path)
        if field.kind == "json" and "schema" in options:
            fields, _ = nested_fields(options, path)
            columns = [self.column(f"{path}.{f.name}", f, count) for f in fields]
            names = [f.name for f in fields]
            values = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        else:
            values = list(kind.values(rng, count, options, self.locale))
            if field.unique:
                where = f"{self.entity}.{path}"
                _make_distinct(values, lambda n: kind.values(rng, n, options, self.locale), where)
        return with_nulls(values, field.nullable, stream(self.seed, self.entity, path, NULLS))


def with_nulls(values: list[Any], share: float, rng: Any) -> list[Any]:
    """``values`` with each left null at the chance ``share`` (drawn whatever the share, when
    there is one, so that changing it moves only which rows are null)."""
    if not share:
        return values
    draw = rng.random
    return [None if draw() < share else value for value in values]


def _make_distinct(values: list[Any], redraw: Callable[[int], Any], where: str) -> None:
    seen: set[Any] = set()
    repeated = []
    for index, value in enumerate(values):
        if value in seen:
            repeated.append(index)
        else:
            seen.add(value)
    for _ in range(MAX_ROUNDS):
        if not repeated:
            return
        fresh = iter(value for value in redraw(max(2 * len(repeated), 16)) if value not in seen)
        still = []
        for index in repeated:
            value = next(fresh, None)
            if value is None or value in seen:
                still.append(index)
            else:
                seen.add(value)
                values[index] = value
        repeated = still
    raise DataProblem(
        f"{where}: could not draw {len(values)} distinct values (its kind has too "
        f"few); lower the count or widen the field's range"
    )
