"""The file, SQLite and HTTP sinks' figures: how long a load, a copy and a reset take, and what a
copy costs done otherwise (a hard link, which shares the loaded file and is not safe; SQLite's
backup API instead of a file copy).

A dataset of ``--rows`` users, two payment methods each and two payments per method (5 x rows
in all, every column type) is loaded ``--repeats`` times by each sink into a temporary folder;
each repeat also makes a copy and resets it once changed. The HTTP sink loads ``--http-rows``
users' worth into a threaded API server on 127.0.0.1 (a POST per record). It prints medians, in
milliseconds, and rows loaded per second; it fails (exit 2) if a read gives back other rows.

    uv run --no-sync python tests/bench/sink_speed.py [--rows 20000] [--http-rows 400] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))

from http_test_api import TestApi  # noqa: E402

from orch.adapters.files.folder_sink import FilesSink  # noqa: E402
from orch.adapters.files.sqlite_sink import SqliteSink  # noqa: E402
from orch.adapters.http.sink import HttpSink  # noqa: E402
from orch.ports.data import Column, DataSink, GeneratedData, Loaded, SinkTarget, Table  # noqa: E402


def dataset(users: int) -> GeneratedData:
    def ids(n: int, salt: int) -> list[str]:
        return [str(uuid.UUID(int=(salt << 64) + i)) for i in range(n)]

    user_ids, method_ids = ids(users, 1), ids(users * 2, 2)
    stamp = "2026-03-04T05:06:07+00:00"
    tables = (
        Table(
            "users",
            (
                Column("id", "uuid", user_ids),
                Column("email", "text", [f"user{i}@example.com" for i in range(users)]),
                Column("age", "int", [i % 90 if i % 7 else None for i in range(users)]),
                Column("active", "bool", [i % 2 == 0 for i in range(users)]),
                Column("created", "timestamp", [stamp] * users),
                Column("birthday", "date", ["1990-01-31"] * users),
                Column("prefs", "json", [{"n": i, "tags": ["a"]} for i in range(users)]),
            ),
            key="id",
        ),
        Table(
            "payment_methods",
            (
                Column("id", "uuid", method_ids),
                Column("user_id", "uuid", [user_ids[i // 2] for i in range(users * 2)]),
                Column("limit", "decimal", [f"{i}.50" for i in range(users * 2)]),
            ),
            key="id",
            references={"user_id": ("users", "id")},
        ),
        Table(
            "payments",
            (
                Column("id", "int", list(range(users * 2))),
                Column("method_id", "uuid", [method_ids[i] for i in range(users * 2)]),
                Column("amount", "decimal", ["9.99"] * (users * 2)),
            ),
            key="id",
            references={"method_id": ("payment_methods", "id")},
        ),
    )
    return GeneratedData("bench", "v1", 1, tables)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def hardlink_folder(source: Path, target: Path) -> None:
    target.mkdir()
    for file in source.iterdir():
        os.link(file, target / file.name)


def copies(sink: DataSink, loaded: Loaded) -> tuple[float, float, float]:
    """Milliseconds to copy ``loaded``, to reset a copy, and to copy it the other way."""
    copy = sink.copy(loaded, "w0")
    made = timed(lambda: sink.copy(loaded, "w1"))
    reset = timed(lambda: sink.reset(copy))
    place = Path(loaded.place)
    other = place.with_name(place.name + "-other")
    if isinstance(sink, FilesSink):
        alternative = timed(lambda: hardlink_folder(place, other))
        shutil.rmtree(other)
        return made, reset, alternative

    def backup() -> None:
        with sqlite3.connect(place) as src, sqlite3.connect(other) as dst:
            src.backup(dst)

    alternative = timed(backup)
    other.unlink()
    return made, reset, alternative


def measure(
    sink: DataSink, options: dict[str, str], data: GeneratedData, repeats: int
) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"load": [], "copy": [], "reset": [], "other copy": []}
    expected = {t.entity: len(t) for t in data.tables}
    for repeat in range(repeats):
        target = SinkTarget(sink.PLUGIN_NAME, options, f"bench-{repeat}")
        start = time.perf_counter()
        loaded = sink.load(data, target)
        figures["load"].append((time.perf_counter() - start) * 1000)
        read = sink.read(loaded)
        if {e: len(rows) for e, rows in read.items()} != expected:
            print("BENCHMARK INVALID: read gave other rows than loaded", file=sys.stderr)
            sys.exit(2)
        if not isinstance(sink, HttpSink):
            for key, figure in zip(
                ("copy", "reset", "other copy"), copies(sink, loaded), strict=True
            ):
                figures[key].append(figure)
        sink.remove(loaded)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--http-rows", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data, small = dataset(args.rows), dataset(args.http_rows)
    api = TestApi()
    threading.Thread(target=api.serve_forever, args=(0.05,), daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        cases: list[tuple[str, DataSink, dict[str, str], GeneratedData, str]] = [
            *(
                (f"files {f}", FilesSink(), {"dir": folder, "format": f}, data, "hard link")
                for f in ("jsonl", "json", "csv")
            ),
            ("sqlite", SqliteSink(), {"path": f"{folder}/app.db"}, data, "backup API"),
            ("http", HttpSink(), {"url": api.url}, small, ""),
        ]
        for name, sink, options, rows, other in cases:
            figures = measure(sink, options, rows, args.repeats)
            total = sum(len(t) for t in rows.tables)
            load = statistics.median(figures["load"])
            line = (
                f"{name:12} {total:7} rows  load {load:9.1f} ms ({total / load * 1000:9.0f} rows/s)"
            )
            if figures["copy"]:
                copy, alternative = (
                    statistics.median(figures["copy"]),
                    statistics.median(figures["other copy"]),
                )
                line += (
                    f"  copy {copy:7.1f} ms  reset {statistics.median(figures['reset']):7.1f} ms"
                )
                line += f"  {other} {alternative:7.1f} ms"
            print(line)
    api.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
