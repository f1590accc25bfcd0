"""Generating a dataset: its entities in dependency order, each field a whole column drawn from
its own stream, references drawn from the referenced column, so the same spec and seed give the
same rows on every machine, in every process, on any day."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orch.core.data.columns import Drawing, with_nulls
from orch.core.data.counts import Rows, dependency_order, parent_link, row_counts
from orch.core.data.streams import NULLS, stream
from orch.core.data.validation import check_dataset
from orch.core.data.version import dataset_version
from orch.core.shared.data_spec import ref_target
from orch.ports.data import (
    Column,
    DatasetSpec,
    EntitySpec,
    FieldSpec,
    GeneratedData,
    Table,
)
from orch.ports.errors import ConfigError, DataProblem
from orch.ports.field_kinds import FieldKind

_Columns = dict[tuple[str, str], Column]


def generate(spec: DatasetSpec, kinds: Mapping[str, FieldKind]) -> GeneratedData:
    """The rows of ``spec``; a spec that ``check_dataset`` refuses raises ``ConfigError``."""
    problems = check_dataset(spec, kinds, f"test data '{spec.name}': ")
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
    counts = row_counts(spec)
    referenced = {target for e in spec.entities for f in e.fields if (target := ref_target(f))}
    built: _Columns = {}
    tables = []
    for entity in dependency_order(spec):
        drawing = Drawing(spec.seed, entity.name, kinds, spec.locale)
        rows = counts[entity.name]
        columns = tuple(_column(drawing, entity, f, rows, built) for f in entity.fields)
        built.update({(entity.name, c.name): c for c in columns})
        key = next((f.name for f in entity.fields if (entity.name, f.name) in referenced), None)
        references = {f.name: target for f in entity.fields if (target := ref_target(f))}
        tables.append(Table(entity=entity.name, columns=columns, key=key, references=references))
    return GeneratedData(
        dataset=spec.name,
        version=dataset_version(spec, kinds),
        seed=spec.seed,
        tables=tuple(tables),
    )


def _column(
    drawing: Drawing, entity: EntitySpec, field: FieldSpec, rows: Rows, built: _Columns
) -> Column:
    target = ref_target(field)
    if target is None:
        kind = drawing.kinds[field.kind]
        column_type = kind.column_type(kind.options(field.options, drawing.locale))
        return Column(field.name, column_type, drawing.column(field.name, field, rows.total))
    source = built[target]
    if parent_link(entity) == field.name:
        values = [
            value
            for value, times in zip(source.values, rows.per_parent or (), strict=True)
            for _ in range(times)
        ]
    else:
        values = _referring(drawing.seed, entity.name, field, source, rows.total)
    nulls = stream(drawing.seed, entity.name, field.name, NULLS)
    return Column(field.name, source.type, with_nulls(values, field.nullable, nulls))


def _referring(seed: int, entity: str, field: FieldSpec, source: Column, count: int) -> list[Any]:
    rng = stream(seed, entity, field.name)
    targets = [value for value in source.values if value is not None]
    where = f"{entity}.{field.name}"
    if field.unique:
        distinct = list(dict.fromkeys(targets))
        if count > len(distinct):
            raise DataProblem(
                f"{where}: {count} rows need distinct references but "
                f"{source.name} has {len(distinct)} values; lower the count"
            )
        return rng.sample(distinct, count)
    if count and not targets:
        raise DataProblem(
            f"{where}: there are no {source.name} values to refer to; give the "
            f"referenced entity rows"
        )
    return rng.choices(targets, k=count)
