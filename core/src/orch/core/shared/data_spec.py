"""The shape of one test dataset as ``orch.yaml`` and ``TestData`` give it, read into a
``DatasetSpec``, with every problem one line naming its path and what to do.

Only the syntax lives here: keys, counts, the two forms of a field (``"int:1..100"`` or
``{kind: int, min: 1}``), references and their cycles. Which kinds exist and what options they
take is the data use case's (``orch.core.data.validation``): shared knows no kinds. Both the
workflow file and the Python API read datasets through this module, so both report the same
lines for the same mistake.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from orch.core.shared.documents import describe, is_whole, within
from orch.core.shared.graphs import find_cycle
from orch.core.shared.spelling import unknown, unknown_keys
from orch.ports.data import DatasetSpec, EntitySpec, FieldSpec, PerParent, SinkSpec

DATASET_KEYS = ("seed", "locale", "generators", "sink", "version")
ENTITY_KEYS = ("count", "schema")
PER_PARENT_KEYS = ("per", "min", "max")
FIELD_KEYS = ("kind", "unique", "nullable")
"""The keys of a field's mapping that are core's; every other key is the kind's option."""
REF = "ref"
"""The kind of a reference: ``ref:users.id`` or ``{kind: ref, to: users.id}``; its target is
``options["to"]`` in both forms."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NAME_RULE = "a letter or '_', then letters, digits or '_'"


def dataset_from(name: str, given: object, where: str) -> tuple[DatasetSpec | None, list[str]]:
    """The dataset ``name`` described by ``given`` (one value of ``test_data:``), or None and
    the problems, each ``where.key: what is wrong; what to do``."""
    if not isinstance(given, Mapping):
        return None, [
            f"{where}: must be a mapping of {', '.join(DATASET_KEYS)}; got {describe(given)}"
        ]
    problems = unknown_keys(given, DATASET_KEYS, where)
    seed = given.get("seed", 0)
    if not is_whole(seed):
        problems.append(
            f"{where}.seed: must be a whole number (the same seed gives the same "
            f"data); got {describe(seed)}"
        )
    locale = given.get("locale", "en")
    if not isinstance(locale, str) or not locale:
        problems.append(
            f"{where}.locale: must be a locale name such as 'en'; got {describe(locale)}"
        )
    pinned = given.get("version")
    if pinned is not None and (not isinstance(pinned, str) or not pinned):
        problems.append(
            f"{where}.version: must be a dataset version (the hex that "
            f"'orch data version' prints); got {describe(pinned)}"
        )
    sink, sink_problems = sink_from(given.get("sink"), f"{where}.sink")
    before = len(problems)
    entities = _entities(given.get("generators"), within(where, "generators"), problems)
    if entities and len(problems) == before:  # refs to a wrong entity would only repeat it
        problems += reference_problems(entities, within(where, "generators"))
    problems += sink_problems
    if problems:
        return None, problems
    spec = DatasetSpec(
        name=name, seed=seed, entities=tuple(entities), locale=locale, sink=sink, pinned=pinned
    )
    return spec, []


def _entities(given: object, where: str, problems: list[str]) -> list[EntitySpec]:
    if not isinstance(given, Mapping) or not given:
        problems.append(
            f"{where}: must map each entity's name to its count and schema "
            f"({{users: {{count: 10, schema: {{id: uuid}}}}}}); got {describe(given)}"
        )
        return []
    entities = []
    for entity_name, entity_given in given.items():
        entity, entity_problems = entity_from(entity_name, entity_given, f"{where}.{entity_name}")
        problems += entity_problems
        if entity is not None:
            entities.append(entity)
    return entities


def entity_from(name: object, given: object, where: str) -> tuple[EntitySpec | None, list[str]]:
    """One entity (``{count: 10, schema: {...}}``) on its own: what ``TestData.add_generator``
    checks at once; references to other entities are checked with the whole dataset."""
    problems = name_problems(name, where)
    if not isinstance(given, Mapping):
        return None, [
            *problems,
            f"{where}: must be a mapping of count and schema; got {describe(given)}",
        ]
    problems += unknown_keys(given, ENTITY_KEYS, where)
    count, count_problems = count_from(given.get("count"), f"{where}.count")
    problems += count_problems
    schema = given.get("schema")
    fields: list[FieldSpec] = []
    if not isinstance(schema, Mapping) or not schema:
        problems.append(
            f"{where}.schema: must map each field's name to its kind "
            f"({{id: uuid, age: 'int:18..99'}}); got {describe(schema)}"
        )
    else:
        for field_name, field_given in schema.items():
            field, field_problems = field_from(
                field_name, field_given, f"{where}.schema.{field_name}"
            )
            problems += field_problems
            if field is not None:
                fields.append(field)
    if problems or count is None:
        return None, problems
    return EntitySpec(name=str(name), count=count, fields=tuple(fields)), []


def count_from(given: object, where: str) -> tuple[int | PerParent | None, list[str]]:
    """``10`` or ``{per: users, min: 1, max: 3}``."""
    if isinstance(given, int) and not isinstance(given, bool) and given >= 0:
        return given, []
    if not isinstance(given, Mapping):
        return None, [
            f"{where}: must be a whole number of rows (0 or more) or "
            f"{{per: ENTITY, min: N, max: M}}; got {describe(given)}"
        ]
    problems = unknown_keys(given, PER_PARENT_KEYS, where)
    parent = given.get("per")
    if not isinstance(parent, str) or not parent:
        problems.append(
            f"{where}.per: must name the entity counted per row; got {describe(parent)}"
        )
    low, high = given.get("min", 1), given.get("max", given.get("min", 1))
    for key, value in (("min", low), ("max", high)):
        if not is_whole(value) or value < 0:
            problems.append(
                f"{where}.{key}: must be a whole number of rows (0 or more) per "
                f"row of the parent; got {describe(value)}"
            )
    if not problems and high < low:
        problems.append(f"{where}.max: must be at least min ({low}); got {high}")
    if problems:
        return None, problems
    return PerParent(parent=parent, min=low, max=high), []  # type: ignore[arg-type]


def field_from(name: object, given: object, where: str) -> tuple[FieldSpec | None, list[str]]:
    """A field from its string (``"enum:a,b"``: the text after the first ``:`` is
    ``options["argument"]``) or its mapping (``{kind: int, min: 1, unique: true}``)."""
    problems = name_problems(name, where)
    if isinstance(given, str):
        kind: object
        kind, colon, argument = given.partition(":")
        options: dict[str, Any] = {"argument": argument} if colon else {}
        unique, nullable = False, 0.0
    elif isinstance(given, Mapping):
        kind = given.get("kind")
        options = {k: v for k, v in given.items() if k not in FIELD_KEYS}
        unique, nullable = given.get("unique", False), given.get("nullable", 0.0)
        if not isinstance(unique, bool):
            problems.append(f"{where}.unique: must be true or false; got {describe(unique)}")
        if (
            isinstance(nullable, bool)
            or not isinstance(nullable, int | float)
            or not (0 <= nullable <= 1)
        ):
            problems.append(
                f"{where}.nullable: must be the share of rows left null, from 0 to "
                f"1 (0.1: a tenth); got {describe(nullable)}"
            )
    else:
        return None, [
            *problems,
            f"{where}: must be a kind ('uuid', 'int:1..100', "
            f"'ref:users.id') or a mapping with 'kind'; got "
            f"{describe(given)}",
        ]
    if not isinstance(kind, str) or not kind:
        problems.append(
            f"{where}{'.kind' if isinstance(given, Mapping) else ''}: must name a "
            f"kind such as 'uuid' or 'int'; got {describe(kind)}"
        )
    elif kind == REF:
        options, ref_problems = _ref_options(options, where)
        problems += ref_problems
    if problems:
        return None, problems
    return FieldSpec(
        name=str(name), kind=str(kind), options=options, unique=unique, nullable=float(nullable)
    ), []


def _ref_options(options: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    target = options.pop("argument", None) if "to" not in options else options.pop("to")
    problems = [
        f"{where}.{key}: {unknown('key', key, ['to'], 'valid', named=False)}" for key in options
    ]
    parts = target.split(".") if isinstance(target, str) else []
    if len(parts) != 2 or not all(_NAME.match(part) for part in parts):
        problems.append(
            f"{where}: a ref names its target as 'ENTITY.FIELD' ('ref:users.id', "
            f"or to: users.id); got {describe(target)}"
        )
    return {"to": target}, problems


def ref_target(field: FieldSpec) -> tuple[str, str] | None:
    """The ``(entity, field)`` a reference field points at, None for any other field."""
    if field.kind != REF:
        return None
    entity, _, name = str(field.options["to"]).partition(".")
    return entity, name


def parents(entity: EntitySpec) -> list[str]:
    """The entities ``entity`` needs generated first: its per-parent count's, then its refs'."""
    names = [entity.count.parent] if isinstance(entity.count, PerParent) else []
    names += [target[0] for f in entity.fields if (target := ref_target(f)) is not None]
    return list(dict.fromkeys(names))


def reference_problems(entities: Iterable[EntitySpec], where: str) -> list[str]:
    """Per-parent counts and refs to a missing entity or field, then a reference cycle."""
    by_name = {entity.name: entity for entity in entities}
    problems = []
    for entity in by_name.values():
        if isinstance(entity.count, PerParent) and entity.count.parent not in by_name:
            problems.append(
                f"{where}.{entity.name}.count.per: "
                f"{unknown('entity', entity.count.parent, list(by_name))}"
            )
        for field in entity.fields:
            problems += _target_problems(field, by_name, f"{where}.{entity.name}.schema")
    if problems:
        return problems
    cycle = find_cycle(by_name, lambda name: parents(by_name[name]))
    if cycle:
        return [
            f"{where}: the entities refer to each other in a cycle ({' -> '.join(cycle)}); "
            f"one of them cannot be generated first, so drop one of these refs or counts"
        ]
    return []


def _target_problems(field: FieldSpec, by_name: Mapping[str, EntitySpec], where: str) -> list:
    target = ref_target(field)
    if target is None:
        return []
    entity_name, field_name = target
    entity = by_name.get(entity_name)
    if entity is None:
        return [f"{where}.{field.name}: {unknown('entity', entity_name, list(by_name))}"]
    if entity.field(field_name) is None:
        return [
            f"{where}.{field.name}: "
            f"{unknown(f'field of {entity_name}', field_name, [f.name for f in entity.fields])}"
        ]
    return []


def sink_from(given: object, where: str) -> tuple[SinkSpec | None, list[str]]:
    """``{postgres: {url: ...}}``: one sink's name and its options, strings."""
    if given is None:
        return None, []
    if not isinstance(given, Mapping) or len(given) != 1:
        return None, [
            f"{where}: must be one sink's name and its options "
            f"({{postgres: {{url: ...}}}}); got {describe(given)}"
        ]
    ((kind, options),) = given.items()
    options = {} if options is None else options
    if not isinstance(options, Mapping):
        return None, [
            f"{where}.{kind}: must be a mapping of the sink's options; got {describe(options)}"
        ]
    problems = [
        f"{where}.{kind}.{key}: must be a string (templates such as "
        f"'{{db.url}}' are allowed); got {describe(value)}"
        for key, value in options.items()
        if not isinstance(value, str)
    ]
    if problems:
        return None, problems
    return SinkSpec(kind=str(kind), options=dict(options)), []


def name_problems(name: object, where: str) -> list[str]:
    """An entity's or field's name must be safe as a table's or column's name."""
    if isinstance(name, str) and _NAME.match(name):
        return []
    return [f"{where}: the name {describe(name)} must be {_NAME_RULE} (it names a table or column)"]
