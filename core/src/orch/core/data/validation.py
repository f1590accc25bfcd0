"""A dataset's meaning against the kinds available: each field's kind exists and takes its
options, a ``unique`` field's kind has enough distinct values for its rows, and references point
at fields that can be referred to; every problem one line with its path."""

from __future__ import annotations

from collections.abc import Mapping

from orch.core.data.columns import nested_fields
from orch.core.data.counts import Rows, parent_link, row_counts
from orch.core.shared.data_spec import ref_target, reference_problems
from orch.core.shared.documents import within
from orch.core.shared.spelling import unknown
from orch.ports.data import DatasetSpec, EntitySpec, FieldSpec, PerParent
from orch.ports.field_kinds import FieldKind


def check_dataset(spec: DatasetSpec, kinds: Mapping[str, FieldKind], where: str) -> list[str]:
    """The problems of ``spec``; ``where`` is the dataset's path (``test_data.payments``)."""
    generators = within(where, "generators")
    problems = reference_problems(spec.entities, generators)
    if problems:
        return problems
    counts = row_counts(spec)
    for entity in spec.entities:
        at = f"{generators}.{entity.name}.schema"
        for field in entity.fields:
            target = ref_target(field)
            if target is None:
                problems += _field_problems(
                    field, kinds, spec.locale, f"{at}.{field.name}", counts[entity.name].total
                )
            else:
                problems += _ref_problems(spec, field, counts, f"{at}.{field.name}", entity)
    return problems


def _field_problems(
    field: FieldSpec, kinds: Mapping[str, FieldKind], locale: str, where: str, rows: int | None
) -> list[str]:
    """A kind's field; ``rows`` None inside a json schema (where refs and unique do not go)."""
    kind = kinds.get(field.kind)
    if kind is None:
        hint = "; a ref goes only at an entity's top level" if field.kind == "ref" else ""
        return [f"{where}: {unknown('kind', field.kind, sorted(kinds))}{hint}"]
    try:
        options = kind.options(field.options, locale)
    except ValueError as problem:
        return [f"{where}.{problem}"]
    if field.unique and (rows is None or kind.column_type(options) == "json"):
        return [f"{where}.unique: only a top-level field that is not json can be unique"]
    capacity = kind.capacity(options, locale)
    if field.unique and rows is not None and capacity is not None and rows > capacity:
        return [
            f"{where}.unique: {rows} rows need distinct values but this {field.kind} has "
            f"only {capacity}; widen its range or lower the count"
        ]
    if field.kind != "json":
        return []
    nested, problems = nested_fields(options, where)
    for inner in nested:
        problems += _field_problems(inner, kinds, locale, f"{where}.schema.{inner.name}", None)
    return problems


def _ref_problems(
    spec: DatasetSpec, field: FieldSpec, counts: Mapping[str, Rows], where: str, entity: EntitySpec
) -> list[str]:
    entity_name, field_name = ref_target(field) or ("", "")
    target_entity = spec.entity(entity_name)
    target = target_entity.field(field_name) if target_entity else None
    if target is None:
        return []
    if target.nullable:
        return [
            f"{where}: refers to {entity_name}.{field_name}, which may be null; refer to a "
            f"field without nullable (a key such as its id)"
        ]
    if target.kind == "json":
        return [
            f"{where}: refers to {entity_name}.{field_name}, a json field; refer to a key "
            f"such as its id"
        ]
    most = entity.count.max if isinstance(entity.count, PerParent) else 1
    if field.unique and parent_link(entity) == field.name and most > 1:
        return [
            f"{where}.unique: this ref is filled per {entity_name} row, up to {most} times "
            f"each; drop unique or set count.max to 1"
        ]
    rows, available = counts[entity.name].total, counts[entity_name].total
    if field.unique and rows > available:
        return [
            f"{where}.unique: {rows} rows need distinct references but {entity_name} has "
            f"{available} rows; lower the count or drop unique"
        ]
    return []
