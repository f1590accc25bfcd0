"""What changes between two versions of a dataset, entity by entity: rows added, removed and
changed, matched by the entity's key (the field others refer to, else a field called ``id``,
else the row's position), so that a changed field shows as changed rows, not as all new."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from orch.ports.data import Table


@frozen
class EntityDiff:
    """One entity's rows in the second version against the first; ``fields`` the fields whose
    values differ in some matched row (or that one version has and the other not)."""

    entity: str
    added: int
    removed: int
    changed: int
    fields: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "fields": list(self.fields),
        }


def diff_tables(first: Mapping[str, Table], second: Mapping[str, Table]) -> list[EntityDiff]:
    """Each entity of either version (the first's order, then the second's new ones)."""
    names = list(dict.fromkeys([*first, *second]))
    return [_diff(name, first.get(name), second.get(name)) for name in names]


def _diff(entity: str, old: Table | None, new: Table | None) -> EntityDiff:
    before, after = _keyed(old), _keyed(new)
    both = before.keys() & after.keys()
    fields: set[str] = set()
    changed = 0
    for key in both:
        differing = {
            name
            for name in before[key].keys() | after[key].keys()
            if before[key].get(name, _MISSING) != after[key].get(name, _MISSING)
        }
        if differing:
            changed += 1
            fields |= differing
    order = [c.name for t in (old, new) if t is not None for c in t.columns]
    shown = tuple(name for name in dict.fromkeys(order) if name in fields)
    return EntityDiff(entity, len(after.keys() - both), len(before.keys() - both), changed, shown)


_MISSING = object()


def _keyed(table: Table | None) -> dict[Any, dict[str, Any]]:
    if table is None:
        return {}
    names = [c.name for c in table.columns]
    key = table.key if table.key in names else ("id" if "id" in names else None)
    rows = list(table.rows())
    if key is None:
        return dict(enumerate(rows))
    return {_hashable(row[key]): row for row in rows}


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, dict | list) else value
