"""The check that generated data keeps its promises before a sink loads it: every reference
names a row that exists, unique columns hold no repeats, counts are what the spec asked. Set
lookups, so it costs little next to generating."""

from __future__ import annotations

from collections import Counter

from orch.ports.data import DatasetSpec, GeneratedData, PerParent, Table
from orch.ports.errors import DataProblem


def check_integrity(data: GeneratedData, spec: DatasetSpec | None = None) -> None:
    """Raise ``DataProblem`` at the first broken promise; with ``spec``, also its uniqueness
    and counts."""
    for table in data.tables:
        lengths = {len(column.values) for column in table.columns}
        if len(lengths) > 1:
            raise DataProblem(
                f"{data.dataset}.{table.entity}: columns of different lengths {sorted(lengths)}"
            )
        for name, (entity, field) in table.references.items():
            present = set(data.table(entity).column(field).values)
            missing = next(
                (v for v in table.column(name).values if v is not None and v not in present), None
            )
            if missing is not None:
                raise DataProblem(
                    f"{data.dataset}.{table.entity}.{name}: {missing!r} is not a "
                    f"value of {entity}.{field}"
                )
    if spec is not None:
        _check_spec(data, spec)


def _check_spec(data: GeneratedData, spec: DatasetSpec) -> None:
    for entity in spec.entities:
        table = data.table(entity.name)
        where = f"{data.dataset}.{entity.name}"
        for field in entity.fields:
            values = [v for v in table.column(field.name).values if v is not None]
            if field.unique and len(set(values)) != len(values):
                raise DataProblem(f"{where}.{field.name}: unique, but a value repeats")
        if isinstance(entity.count, PerParent):
            _check_per_parent(data, table, entity.count, where)
        elif len(table) != entity.count:
            raise DataProblem(f"{where}: {len(table)} rows, but the spec asks for {entity.count}")


def _check_per_parent(data: GeneratedData, table: Table, count: PerParent, where: str) -> None:
    parents = len(data.table(count.parent))
    if not count.min * parents <= len(table) <= count.max * parents:
        raise DataProblem(
            f"{where}: {len(table)} rows, outside {count.min}..{count.max} per "
            f"{count.parent} row ({parents} rows)"
        )
    link = next((f for f, (entity, _) in table.references.items() if entity == count.parent), None)
    if link is None:
        return
    target = data.table(count.parent).column(table.references[link][1]).values
    if len(set(target)) != len(target):
        return  # a parent value shared by rows: the rows per parent row cannot be told apart
    per_value = Counter(table.column(link).values)
    for value in target:
        if not count.min <= per_value.get(value, 0) <= count.max:
            raise DataProblem(
                f"{where}.{link}: {value!r} has {per_value.get(value, 0)} rows, "
                f"not {count.min}..{count.max} per {count.parent} row"
            )
