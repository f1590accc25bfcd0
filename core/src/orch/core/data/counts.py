"""The order entities are generated in (referenced before referring, otherwise the spec's
order) and how many rows each gets: a per-parent count draws one number per parent row from
the entity's own count stream, so the counts are known before any value is drawn."""

from __future__ import annotations

from attrs import frozen

from orch.core.data.streams import COUNT, stream
from orch.core.shared.data_spec import parents, ref_target
from orch.ports.data import DatasetSpec, EntitySpec, PerParent


@frozen
class Rows:
    """An entity's row count, and for a per-parent count the rows of each parent row."""

    total: int
    per_parent: tuple[int, ...] | None = None


def dependency_order(spec: DatasetSpec) -> list[EntitySpec]:
    """The entities, each after those it needs (the spec has no cycle: data_spec checked)."""
    placed: dict[str, EntitySpec] = {}

    def place(entity: EntitySpec) -> None:
        if entity.name in placed:
            return
        for parent in parents(entity):
            found = spec.entity(parent)
            if found is not None and found.name != entity.name:
                place(found)
        placed[entity.name] = entity

    for entity in spec.entities:
        place(entity)
    return list(placed.values())


def row_counts(spec: DatasetSpec) -> dict[str, Rows]:
    """Each entity's rows, by name."""
    counts: dict[str, Rows] = {}
    for entity in dependency_order(spec):
        count = entity.count
        if isinstance(count, PerParent):
            rng = stream(spec.seed, entity.name, "", COUNT)
            each = tuple(rng.choices(range(count.min, count.max + 1), k=counts[count.parent].total))
            counts[entity.name] = Rows(sum(each), each)
        else:
            counts[entity.name] = Rows(count)
    return counts


def parent_link(entity: EntitySpec) -> str | None:
    """The field filled parent row by parent row: the first ref to the per-parent count's
    parent (None without a per-parent count or such a ref)."""
    if not isinstance(entity.count, PerParent):
        return None
    parent = entity.count.parent
    return next((f.name for f in entity.fields if (ref_target(f) or ("",))[0] == parent), None)
