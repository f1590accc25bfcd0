"""A dataset's version: sha256 of the canonical JSON of what decides its rows (entities and
fields in order, their completed options, seed, locale), the engine's ``GENERATOR_VERSION`` and
each used kind's ``VERSION``. Not the sink, nor the pinned version: loading the same rows
elsewhere is the same data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from orch.core.data.columns import completed, nested_fields
from orch.core.shared.data_spec import ref_target
from orch.ports.data import DatasetSpec, FieldSpec, PerParent
from orch.ports.field_kinds import FieldKind

GENERATOR_VERSION = "1"
"""Changes whenever the engine draws other rows from the same spec (streams, refs, counts)."""


def dataset_version(spec: DatasetSpec, kinds: Mapping[str, FieldKind]) -> str:
    """The hex version of ``spec`` generated with ``kinds`` (a spec check_dataset accepts)."""
    used: dict[str, str] = {}
    entities = [
        {
            "name": entity.name,
            "count": _count(entity.count),
            "fields": [_field(field, kinds, spec.locale, used) for field in entity.fields],
        }
        for entity in spec.entities
    ]
    document = {
        "generator": GENERATOR_VERSION,
        "seed": spec.seed,
        "locale": spec.locale,
        "entities": entities,
        "kinds": used,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _count(count: int | PerParent) -> Any:
    if isinstance(count, PerParent):
        return {"per": count.parent, "min": count.min, "max": count.max}
    return count


def _field(
    field: FieldSpec, kinds: Mapping[str, FieldKind], locale: str, used: dict[str, str]
) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "name": field.name,
        "kind": field.kind,
        "unique": field.unique,
        "nullable": field.nullable,
    }
    if ref_target(field) is not None:
        return {**shown, "options": dict(field.options)}
    kind = kinds[field.kind]
    used[field.kind] = kind.VERSION
    options = completed(field, kinds, locale)
    nested, _ = nested_fields(options, field.name) if field.kind == "json" else ([], [])
    for inner in nested:
        _field(inner, kinds, locale, used)
    return {**shown, "options": dict(options)}
