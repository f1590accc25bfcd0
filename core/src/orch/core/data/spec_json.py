"""A dataset's spec as JSON and back, as the versions store keeps it: what generated a version
is kept beside it, so that regenerating a pinned version needs nothing of the workflow file
as it is now. The sink and the pin are not part of it: they say where and which, not what."""

from __future__ import annotations

from typing import Any

from orch.ports.data import DatasetSpec, EntitySpec, FieldSpec, PerParent


def spec_json(spec: DatasetSpec) -> dict[str, Any]:
    """``spec`` as JSON values, entities and fields in the spec's order."""
    return {
        "name": spec.name,
        "seed": spec.seed,
        "locale": spec.locale,
        "entities": [_entity_json(entity) for entity in spec.entities],
    }


def spec_from_json(value: dict[str, Any]) -> DatasetSpec:
    """The spec ``spec_json`` wrote (``KeyError``/``TypeError`` on anything else)."""
    entities = tuple(_entity(entity) for entity in value["entities"])
    return DatasetSpec(value["name"], int(value["seed"]), entities, locale=value["locale"])


def _entity_json(entity: EntitySpec) -> dict[str, Any]:
    count = entity.count
    counted: Any = (
        count
        if isinstance(count, int)
        else {"per": count.parent, "min": count.min, "max": count.max}
    )
    fields = [
        {
            "name": f.name,
            "kind": f.kind,
            "options": dict(f.options),
            "unique": f.unique,
            "nullable": f.nullable,
        }
        for f in entity.fields
    ]
    return {"name": entity.name, "count": counted, "fields": fields}


def _entity(value: dict[str, Any]) -> EntitySpec:
    count = value["count"]
    counted = (
        int(count)
        if isinstance(count, int)
        else PerParent(count["per"], int(count["min"]), int(count["max"]))
    )
    fields = tuple(
        FieldSpec(
            f["name"],
            f["kind"],
            dict(f["options"]),
            unique=bool(f["unique"]),
            nullable=float(f["nullable"]),
        )
        for f in value["fields"]
    )
    return EntitySpec(value["name"], counted, fields)
