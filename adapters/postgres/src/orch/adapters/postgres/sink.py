"""The PostgreSQL ``DataSink``: a template database per load, a clone of it per copy.

``load`` clones the URL's database (the schema the environment loaded, kept and loaded into)
as ``orch_<owner>_<dataset>``, creates the tables it lacks and COPYs every entity in one
transaction; a failure drops that database. ``copy`` and ``reset`` clone the template again
(``CREATE DATABASE ... TEMPLATE``), which copies files rather than rows. Each database made
carries, in its comment, the database it was cloned from, its template and its entities'
fields: ``read`` reads those fields back (in load order: by physical row position, which is
the order COPY wrote them in a loaded, copied or reset database), and ``leftovers`` looks only
at databases cloned from the URL's database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import psycopg
from psycopg import sql

from orch.adapters.postgres import names, tables
from orch.adapters.postgres.server import MAINTENANCE, Server
from orch.adapters.postgres.values import port_value, reading
from orch.ports.data import DataCopy, GeneratedData, Loaded, SinkTarget
from orch.ports.errors import DataProblem

COPY_STRATEGY, RESET_STRATEGY = "FILE_COPY", "WAL_LOG"
"""How ``copy`` and ``reset`` clone (``CREATE DATABASE ... STRATEGY``), by
tests/bench/data_postgres.py at 100,000 rows (three runs, medians of 5): 8 copies FILE_COPY
0.71x, 0.97x and 0.86x WAL_LOG's time; a reset (drop, then clone) WAL_LOG 0.72x, 0.92x and
1.05x FILE_COPY's. FILE_COPY's cost is mostly a checkpoint, WAL_LOG's grows with the data."""

_OURS = sql.SQL(
    "SELECT d.datname, s.description FROM pg_database d LEFT JOIN pg_shdescription s"
    " ON s.objoid = d.oid AND s.classoid = 'pg_database'::regclass WHERE d.datname LIKE 'orch\\_%'"
)


class PostgresSink:
    """Loads a dataset into a template database and clones it for each worker."""

    PLUGIN_NAME: ClassVar[str] = "postgres"
    OPTIONS: ClassVar[Mapping[str, str]] = {
        "url": "the server's postgresql://user:password@host:port/db URL; db holds the schema"
        " to start from (its tables are loaded into, missing ones created)",
    }

    def __init__(self, strategy: str | None = None) -> None:
        """``strategy`` (WAL_LOG or FILE_COPY) for every clone; None: each operation's own."""
        if strategy not in (None, "WAL_LOG", "FILE_COPY"):
            raise ValueError(f"strategy {strategy!r}: give WAL_LOG or FILE_COPY")
        self.strategies = {
            "load": strategy or RESET_STRATEGY,
            "copy": strategy or COPY_STRATEGY,
            "reset": strategy or RESET_STRATEGY,
        }

    def load(self, data: GeneratedData, target: SinkTarget) -> Loaded:
        server = Server(target.options.get("url", ""))
        name = names.template(target.owner, data.dataset)
        entities = [[t.entity, [c.name for c in t.columns]] for t in data.tables]
        self._clone(
            server,
            server.base,
            name,
            {"from": server.base, "template": None, "entities": entities},
            "load",
        )
        entity = "(none)"
        try:
            with server.connect(name, autocommit=False) as connection:
                for table in data.tables:
                    entity = table.entity
                    if not tables.exists(connection, table.entity):
                        tables.create(connection, table)
                    tables.copy_in(connection, table)
        except psycopg.Error as error:
            self._drop(server, name)
            raise server.problem(f"loading entity {entity} into {name}", error) from None
        except BaseException:
            self._drop(server, name)
            raise
        return Loaded(
            target, data.version, name, server.url_of(name), tuple(t.entity for t in data.tables)
        )

    def copy(self, loaded: Loaded, name: str) -> DataCopy:
        server = Server(loaded.target.options.get("url", ""))
        place = names.copy(loaded.place, name)
        about = {**self._about(server, loaded.place), "template": loaded.place}
        self._clone(server, loaded.place, place, about, "copy")
        return DataCopy(loaded, name, place, server.url_of(place))

    def reset(self, copy: DataCopy) -> None:
        server = Server(copy.loaded.target.options.get("url", ""))
        about = self._about(server, copy.place)
        self._clone(server, copy.loaded.place, copy.place, about, "reset")

    def remove(self, place: Loaded | DataCopy) -> None:
        server = Server(
            (place.target if isinstance(place, Loaded) else place.loaded.target).options.get(
                "url", ""
            )
        )
        if isinstance(place, Loaded):
            for datname, about in self._ours(server):
                if about.get("template") == place.place:
                    self._drop(server, datname)
        self._drop(server, place.place)

    def read(self, place: Loaded | DataCopy) -> dict[str, list[dict[str, Any]]]:
        server = Server(
            (place.target if isinstance(place, Loaded) else place.loaded.target).options.get(
                "url", ""
            )
        )
        about = self._about(server, place.place)
        rows: dict[str, list[dict[str, Any]]] = {}
        with server.connect(place.place) as connection:
            reading(connection)
            for entity, fields in about["entities"]:
                query = sql.SQL("SELECT {} FROM {} ORDER BY ctid").format(
                    sql.SQL(", ").join(map(sql.Identifier, fields)), sql.Identifier(entity)
                )
                try:
                    found = connection.execute(query).fetchall()
                except psycopg.Error as error:
                    raise server.problem(
                        f"reading entity {entity} of {place.place}", error
                    ) from None
                rows[entity] = [dict(zip(fields, map(port_value, r), strict=True)) for r in found]
        return rows

    def leftovers(self, options: Mapping[str, str], alive: Callable[[str], bool]) -> list[str]:
        server = Server(options.get("url", ""))
        dead = [
            (datname, about)
            for datname, about in self._ours(server)
            if about.get("from", server.base) == server.base
            and (owner := names.owner_of(datname)) is not None
            and not alive(owner)
        ]
        dead.sort(key=lambda found: found[1].get("template") is None)  # copies first
        for datname, _about in dead:
            self._drop(server, datname)
        return [datname for datname, _about in dead]

    def _clone(
        self, server: Server, template: str, name: str, about: dict[str, Any], doing: str
    ) -> None:
        """``name`` as a fresh clone of ``template`` (dropped first if it is there)."""
        self._drop(server, name)
        server.run(
            f"creating database {name} from {template}",
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY {}").format(
                sql.Identifier(name), sql.Identifier(template), sql.SQL(self.strategies[doing])
            ),
        )
        server.run(
            f"describing database {name}",
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(json.dumps(about))
            ),
        )

    def _drop(self, server: Server, name: str) -> None:
        if name != MAINTENANCE:
            server.run(
                f"dropping database {name}",
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
            )

    def _ours(self, server: Server) -> list[tuple[str, dict[str, Any]]]:
        """Every ``orch_`` database of the server, with what its comment says of it."""
        found = server.run("listing databases", _OURS)
        return [(str(name), _parse(text)) for name, text in found]

    def _about(self, server: Server, name: str) -> dict[str, Any]:
        about = dict(self._ours(server)).get(name)
        if about is None:
            raise DataProblem(
                f"postgres sink: database {name} does not exist at {server.where}:"
                " load the data again"
            )
        if "entities" not in about:
            raise DataProblem(
                f"postgres sink: database {name} at {server.where} was not made by orch: remove it"
            )
        return about


def _parse(text: object) -> dict[str, Any]:
    try:
        about = json.loads(str(text)) if text else {}
    except ValueError:
        return {}
    return about if isinstance(about, dict) else {}
