"""Test data: the datasets a workflow declares, the rows generated from them, and the DataSink
port that loads those rows where the applications read them.

A dataset (``DatasetSpec``) is entities of fields, each field of a *kind* (``uuid``, ``email``,
``ref:users.id``; ``orch.ports.field_kinds``); core generates it (``GeneratedData``: one column
of values per field, in the entities' dependency order) from a seed, the same on any machine,
and names it by its ``version``. A sink (``DataSink``) loads it all or nothing, then makes the
copies the tests use: one per worker, or per test, each reset to the loaded version between
test cycles and removed at the end; what a killed run left behind carries its owner in its name
and is found and removed by any later orch (``leftovers``).

Values are JSON values, so every sink and the files written agree on them: ``uuid``, ``text``,
``timestamp`` (ISO 8601 with its offset, ``2026-03-04T05:06:07+00:00``), ``date``
(``2026-03-04``) and ``decimal`` (its exact digits, ``"12.50"``) are strings; ``int`` an int,
``bool`` a bool, ``json`` a dict or list; a null is None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from attrs import field, frozen

if TYPE_CHECKING:
    from orch.ports.model import Application

COLUMN_TYPES = ("uuid", "text", "int", "decimal", "bool", "timestamp", "date", "json")
"""What a column holds, for a sink to map to its own types (PostgreSQL: uuid, text, bigint,
numeric, boolean, timestamptz, date, jsonb)."""

DATA_URL_VAR = "ORCH_DATA_URL"
"""The variable a test process finds its copy's address in, unless its application names another."""

RUN_DATA_FILE = "data.json"
"""In ``<state>/runs/<run>/``: which dataset version each application of the run read, by
application (``{dataset, version, per, sink}``): written by the data use case, shown by
``orch status``."""

COPY_MODES = ("run", "worker", "test")
"""Who shares one copy: the whole run (stateless tests), each worker, or each test."""


@frozen
class FieldSpec:
    """One field of an entity: its kind and that kind's options, as the spec gives them.

    ``options`` are the kind's own (``{"min": 1, "max": 9}``; the shorthand ``enum:a,b`` gives
    ``{"argument": "a,b"}``) and JSON values, so the spec hashes; ``nullable`` is the share of
    rows left null (0 to 1); ``unique`` that no two rows share a value.
    """

    name: str
    kind: str
    options: Mapping[str, Any] = field(factory=dict, hash=False)
    unique: bool = False
    nullable: float = 0.0


@frozen
class PerParent:
    """A count given per row of another entity: "1 to 3 payment methods per user"."""

    parent: str
    min: int
    max: int


@frozen
class EntitySpec:
    """One entity (a table, a file, an API resource) and how many rows it has."""

    name: str
    count: int | PerParent
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@frozen
class DatasetSpec:
    """A named dataset: its entities in the order the spec gives them, its seed and locale.

    ``pinned`` is a version the workflow asks for (``version:``): that version's recorded spec
    is generated, and one that cannot be reproduced is an error. ``sink`` is where it is loaded
    (None: nowhere but files that ``orch data generate`` writes).
    """

    name: str
    seed: int
    entities: tuple[EntitySpec, ...]
    locale: str = "en"
    sink: SinkSpec | None = None
    pinned: str | None = None

    def entity(self, name: str) -> EntitySpec | None:
        return next((e for e in self.entities if e.name == name), None)


@frozen
class SinkSpec:
    """Where a dataset is loaded: a sink adapter's name and its options (strings; templates
    such as ``{ledger-db.url}`` are resolved from the environment before the sink sees them)."""

    kind: str
    options: Mapping[str, str] = field(factory=dict, hash=False)


@frozen
class Column:
    """One field's values, a row each; ``type`` is one of ``COLUMN_TYPES``."""

    name: str
    type: str
    values: Sequence[Any]


@frozen
class Table:
    """One entity's rows, column by column; ``references`` maps a field to the
    ``(entity, field)`` it refers to; ``key`` is the field others refer to (None: none does)."""

    entity: str
    columns: tuple[Column, ...]
    key: str | None = None
    references: Mapping[str, tuple[str, str]] = field(factory=dict, hash=False)

    def __len__(self) -> int:
        return len(self.columns[0].values) if self.columns else 0

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each row as a dict of its fields, in the schema's order."""
        names = [c.name for c in self.columns]
        for values in zip(*(c.values for c in self.columns), strict=True):
            yield dict(zip(names, values, strict=True))


@frozen
class GeneratedData:
    """A dataset's rows: its tables in dependency order (referenced before referring)."""

    dataset: str
    version: str
    seed: int
    tables: tuple[Table, ...]

    def table(self, entity: str) -> Table:
        return next(t for t in self.tables if t.entity == entity)


@frozen
class SinkTarget:
    """One load of a dataset: the sink's resolved options and the owner whose name every
    database, file or record the sink makes carries (``orch_<owner>_...``), so that a later
    ``leftovers`` finds what a dead owner left."""

    kind: str
    options: Mapping[str, str] = field(hash=False)
    owner: str


@frozen
class Loaded:
    """A dataset loaded by a sink: ``place`` is what the sink made (a template database's
    name, a folder, the records an API created), ``address`` what a test would use to reach it."""

    target: SinkTarget
    version: str
    place: str
    address: str
    entities: tuple[str, ...] = ()


@frozen
class DataCopy:
    """A copy of a loaded dataset that one worker (or one test) uses: its own database or
    file, at ``address``."""

    loaded: Loaded
    name: str
    place: str
    address: str


@runtime_checkable
class DataSink(Protocol):
    """Loads generated data where applications read it, and gives each worker its own copy.

    ``orch.testing.data_sink_contracts`` is the suite every sink passes. A sink that cannot make
    copies (an application's API) raises ``DataProblem`` from ``copy`` saying so; core then
    shares the loaded data between workers.
    """

    PLUGIN_NAME: ClassVar[str]
    OPTIONS: ClassVar[Mapping[str, str]]
    """The options it takes and what each means (``{"url": "the server's postgresql:// URL"}``);
    core refuses others, naming these. A sink may also say which options are file paths
    (``PATHS = ("path",)``): core resolves those under the workflow's folder."""

    def load(self, data: GeneratedData, target: SinkTarget) -> Loaded:
        """Load every table, all or nothing: a failure part-way leaves nothing behind and
        raises ``DataProblem`` naming the entity (and row) that failed."""

    def copy(self, loaded: Loaded, name: str) -> DataCopy:
        """A copy of ``loaded`` named ``name`` (unique within the owner), as loaded."""

    def reset(self, copy: DataCopy) -> None:
        """Put ``copy`` back as ``loaded`` was, whatever the tests did to it."""

    def remove(self, place: Loaded | DataCopy) -> None:
        """Remove a copy, or the loaded data (its copies first); removing twice is no error."""

    def read(self, place: Loaded | DataCopy) -> dict[str, list[dict[str, Any]]]:
        """The rows ``place`` holds now, by entity, in the order loaded (for checks and diffs)."""

    def leftovers(self, options: Mapping[str, str], alive: Callable[[str], bool]) -> list[str]:
        """Remove what owners for which ``alive(owner)`` is false left at this sink's
        ``options``; return the places removed."""


@frozen
class DataUse:
    """An application's ``test_data``: the dataset its tests read, who shares a copy of it
    (``per``, one of ``COPY_MODES``) and the variable its copy's address is handed in."""

    dataset: str
    per: str = "worker"
    env: str = DATA_URL_VAR


class DataCopies(Protocol):
    """What a run asks of its test data: each shard of an application with ``test_data`` takes
    a copy when it starts (the variables that give its address) and gives it back when it ends,
    to be reset to the loaded version before another shard takes it."""

    def take(self, app: str, shard: str) -> Mapping[str, str]:
        """The variables of the copy shard ``shard`` of application ``app`` uses."""
        ...

    def give_back(self, app: str, shard: str) -> None:
        """Shard ``shard`` has ended: its copy is free once reset (idempotent)."""
        ...


Resolve = Callable[["Application", Mapping[str, str]], Mapping[str, str]]
"""A sink's options for an application's dataset, templates resolved from its environment."""


class RunTestData(DataCopies, Protocol):
    """The test data of one run: loaded where the applications of an environment read it once
    that environment is up (``""``: the applications with none, as the run starts), removed
    with it, every copy handed to the shards through ``DataCopies``."""

    def load(self, environment: str, resolve: Resolve) -> None:
        """Load the datasets of ``environment``'s applications; ``DataProblem`` says why not."""
        ...

    def remove(self, environment: str) -> None:
        """Remove what was loaded for ``environment``'s applications (idempotent)."""
        ...

    def close(self) -> None:
        """Remove everything the run loaded."""
        ...
