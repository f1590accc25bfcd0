"""PostgreSQL sink benchmark: load, reset and copies of 100,000 rows, each against what one
would do without the sink, side by side, several rounds, medians and ratios.

- load: the sink's COPY (psycopg's ``write_row``), against COPY of text lines formatted in
  Python and written in chunks, and against ``executemany`` INSERT batches, the same rows into
  the same fresh clone (target <= 3 s);
- reset of a copy the tests changed: the sink's re-clone (WAL_LOG and FILE_COPY), against
  TRUNCATE + COPY again and against ``pg_restore`` of a ``pg_dump -Fc`` dump (target <= 1 s);
- 8 copies, one per worker: as a run makes them (orch's CopyPool, all at once) against one
  after another with each strategy (target <= 2 s in all).

It starts its own server (tests/helpers/pg_server.py, as the tests do). The rows are built by
a small seeded function here: three entities, users <- payment_methods <- payments.
Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from pg_server import pg_server  # noqa: E402

from orch.adapters.postgres import tables  # noqa: E402
from orch.adapters.postgres.sink import PostgresSink  # noqa: E402
from orch.core.data.copy_pool import CopyPool
from orch.ports.data import Column, GeneratedData, Loaded, SinkTarget, Table  # noqa: E402

TARGETS = {"load": 3.0, "reset": 1.0, "copies": 2.0}


def dataset(rows: int, seed: int = 11) -> GeneratedData:
    """``rows`` rows: a fifth users, three tenths payment methods, half payments."""
    rng = random.Random(seed)
    n_users, n_methods = rows // 5, rows * 3 // 10
    n_payments = rows - n_users - n_methods
    user_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n_users)]
    method_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n_methods)]
    users = Table(
        "users",
        (
            Column("id", "uuid", user_ids),
            Column("email", "text", [f"user{i}@example.com" for i in range(n_users)]),
            Column("age", "int", [rng.randint(18, 90) for _ in range(n_users)]),
            Column("active", "bool", [rng.random() < 0.8 for _ in range(n_users)]),
            Column(
                "created",
                "timestamp",
                [f"2026-0{1 + i % 9}-1{i % 10}T10:00:00+00:00" for i in range(n_users)],
            ),
            Column("prefs", "json", [{"n": i % 7} for i in range(n_users)]),
        ),
        key="id",
    )
    methods = Table(
        "payment_methods",
        (
            Column("id", "uuid", method_ids),
            Column("user_id", "uuid", [rng.choice(user_ids) for _ in range(n_methods)]),
            Column(
                "kind", "text", [rng.choice(["card", "iban", "wallet"]) for _ in range(n_methods)]
            ),
        ),
        key="id",
        references={"user_id": ("users", "id")},
    )
    payments = Table(
        "payments",
        (
            Column("id", "int", list(range(1, n_payments + 1))),
            Column("method_id", "uuid", [rng.choice(method_ids) for _ in range(n_payments)]),
            Column(
                "amount",
                "decimal",
                [f"{rng.randint(1, 99999) / 100:.2f}" for _ in range(n_payments)],
            ),
            Column("paid_on", "date", [f"2026-02-{1 + i % 28:02d}" for i in range(n_payments)]),
        ),
        key="id",
        references={"method_id": ("payment_methods", "id")},
    )
    return GeneratedData("bench", "v1", seed, (users, methods, payments))


def _fresh(admin: str, base: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(base)
            )
        )
    return admin.rsplit("/", 1)[0] + "/" + name


def _insert_batches(url: str, data: GeneratedData) -> None:
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for table in data.tables:
            tables.create(connection, table)
            names = [c.name for c in table.columns]
            statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(table.entity),
                sql.SQL(", ").join(map(sql.Identifier, names)),
                sql.SQL(", ").join(sql.Placeholder() * len(names)),
            )
            rows = [
                [json.dumps(v) if isinstance(v, dict) else v for v in r.values()]
                for r in table.rows()
            ]
            for start in range(0, len(rows), 5000):
                cursor.executemany(statement, rows[start : start + 5000])


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return (json.dumps(value) if isinstance(value, dict | list) else str(value)).translate(_ESCAPES)


def _lines(url: str, data: GeneratedData) -> None:
    """COPY of text lines formatted here, written in 1 MiB chunks."""
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for table in data.tables:
            tables.create(connection, table)
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.entity),
                sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns),
            )
            with cursor.copy(statement) as copy:
                chunk: list[str] = []
                for row in zip(*(c.values for c in table.columns), strict=True):
                    chunk.append("\t".join(map(_text, row)) + "\n")
                    if len(chunk) >= 5000:
                        copy.write("".join(chunk).encode())
                        chunk = []
                copy.write("".join(chunk).encode())


def _truncate_reload(url: str, data: GeneratedData) -> None:
    with psycopg.connect(url) as connection:
        names = sql.SQL(", ").join(sql.Identifier(t.entity) for t in data.tables)
        connection.execute(sql.SQL("TRUNCATE {}").format(names))
        for table in data.tables:
            tables.copy_in(connection, table)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _mutate(url: str) -> None:
    with psycopg.connect(url) as connection:
        connection.execute("DELETE FROM payments WHERE id % 2 = 0")
        connection.execute("UPDATE users SET age = age + 1")


def _counts(url: str, data: GeneratedData) -> list[int]:
    with psycopg.connect(url) as connection:
        return [
            int(
                connection.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t.entity))
                ).fetchone()[0]
            )  # type: ignore[index]
            for t in data.tables
        ]


class Bench:
    """The server, the rows, one loaded template and the copies each way of resetting uses."""

    def __init__(self, url: str, rows: int, folder: Path) -> None:
        self.admin, self.data = url, dataset(rows)
        self.base = _fresh(url, "template1", "app")
        self.sinks = {s: PostgresSink(s) for s in ("WAL_LOG", "FILE_COPY")}
        self.target = SinkTarget("postgres", {"url": self.base}, "bench-main")
        self.loaded: Loaded = self.sinks["WAL_LOG"].load(self.data, self.target)
        self.expected = [len(t) for t in self.data.tables]
        self.copies = {
            s: sink.copy(self.loaded, "r-" + s.lower()) for s, sink in self.sinks.items()
        }
        self.spare = {
            way: _fresh(url, self.loaded.place, "spare_" + way) for way in ("truncate", "restore")
        }
        self.dump = folder / "loaded.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(self.dump), self.loaded.address], check=True)

    def load(self, way: str, n: int) -> float:
        if way == "sink":
            target = SinkTarget("postgres", {"url": self.base}, f"bench-load{n}")
            seconds = _timed(lambda: PostgresSink().load(self.data, target))
            PostgresSink().leftovers({"url": self.base}, lambda owner: owner != target.owner)
            return seconds
        fill = {"lines": _lines, "insert": _insert_batches}[way]
        name = f"load_{way}_{n}"
        seconds = _timed(lambda: fill(_fresh(self.admin, "app", name), self.data))
        if _counts(self.base.rsplit("/", 1)[0] + "/" + name, self.data) != self.expected:
            sys.exit(f"BENCHMARK INVALID: load {way} did not load every row")
        with psycopg.connect(self.admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        return seconds

    def reset(self, way: str) -> float:
        if way in self.sinks:
            copy = self.copies[way]
            _mutate(copy.address)
            seconds = _timed(lambda: self.sinks[way].reset(copy))
            url = copy.address
        else:
            url = self.spare[way]
            _mutate(url)
            restore = [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "-d",
                url,
                str(self.dump),
            ]
            run = (
                (lambda: _truncate_reload(url, self.data))
                if way == "truncate"
                else (lambda: subprocess.run(restore, check=True))
            )
            seconds = _timed(run)
        if _counts(url, self.data) != self.expected:
            sys.exit(
                f"BENCHMARK INVALID: reset {way} left {_counts(url, self.data)} rows,"
                f" not {self.expected}"
            )
        return seconds

    def copies_of(self, strategy: str, n: int) -> float:
        """8 copies: as a run makes them (``pool``: orch's CopyPool, at once), or one after
        another with either strategy."""
        if strategy == "pool":
            pools: list[CopyPool] = []
            seconds = _timed(
                lambda: pools.append(CopyPool(PostgresSink(), self.loaded, f"c{n}", 8, False))
            )
            pools[0].remove()
            return seconds
        sink = self.sinks[strategy]
        made: list = []
        seconds = _timed(lambda: made.extend(sink.copy(self.loaded, f"c{n}-{w}") for w in range(8)))
        for copy in made:
            sink.remove(copy)
        return seconds


WAYS = {
    "load": ["sink", "lines", "insert"],
    "reset": ["WAL_LOG", "FILE_COPY", "truncate", "restore"],
    "copies": ["pool", "WAL_LOG", "FILE_COPY"],
}


def _measure(bench: Bench, measure: str, way: str, n: int) -> float:
    if measure == "load":
        return bench.load(way, n)
    return bench.reset(way) if measure == "reset" else bench.copies_of(way, n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    times: dict[str, dict[str, list[float]]] = {
        m: {w: [] for w in ways} for m, ways in WAYS.items()
    }
    with pg_server() as url, tempfile.TemporaryDirectory() as folder:
        bench = Bench(url, args.rows, Path(folder))
        for n in range(args.repeats):
            for measure, ways in WAYS.items():
                for way in ways[n % len(ways) :] + ways[: n % len(ways)]:  # the order rotates
                    times[measure][way].append(_measure(bench, measure, way, n))
    medians = {m: {w: statistics.median(t) for w, t in ways.items()} for m, ways in times.items()}
    chosen = PostgresSink().strategies
    ours = {"load": "sink", "reset": chosen["reset"], "copies": "pool"}
    print(f"{args.rows} rows, {args.repeats} rounds, medians in seconds (ratio: to the sink's)")
    missed = []
    for measure, ways in medians.items():
        mine = ways[ours[measure]]
        for way, seconds in ways.items():
            print(f"  {measure:7} {way:10} {seconds:8.3f} s  {seconds / mine:6.2f}x")
        if mine > TARGETS[measure]:
            missed.append(f"{measure} {mine:.3f} s > target {TARGETS[measure]} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"rows": args.rows, "times": times, "medians": medians, "targets": TARGETS},
                indent=1,
            )
        )
    for line in missed:
        print("TARGET MISSED:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
