"""The generation engine's figure: how long 100,000 rows over three entities with references
take to generate (the target is well under 3 s), and the integrity check after it.

Users (uuid key, int, enum, timestamp), orders referring to users, payments referring to
orders, in the proportions 2:5:3 of ``--rows``. It prints the median of ``--repeats`` runs of
``generate`` and of ``check_integrity``, and checks that every run gave the same version.

    uv run --no-sync python tests/bench/data_generation.py [--rows 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from orch.core.data.generation import generate
from orch.core.data.integrity import check_integrity
from orch.core.data.kinds import built_in_kinds
from orch.core.data.test_data import TestData


def dataset(rows: int) -> TestData:
    data = TestData("bench", seed=3)
    at, plan = "timestamp", "enum:free,pro,team"
    data.add_generator(
        "users",
        {
            "count": rows * 2 // 10,
            "schema": {
                "id": {"kind": "uuid", "unique": True},
                "age": "int:18..99",
                "plan": plan,
                "at": at,
            },
        },
    )
    data.add_generator(
        "orders",
        {
            "count": rows * 5 // 10,
            "schema": {
                "id": "uuid",
                "user_id": "ref:users.id",
                "total": "int:1..500",
                "status": plan,
                "at": at,
            },
        },
    )
    amount = {"kind": "int", "min": 1, "max": 500, "distribution": "normal"}
    data.add_generator(
        "payments",
        {
            "count": rows * 3 // 10,
            "schema": {"id": "uuid", "order_id": "ref:orders.id", "amount": amount, "at": at},
        },
    )
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    kinds = built_in_kinds()
    spec = dataset(arguments.rows).spec(kinds)
    generating, checking, versions = [], [], set()
    for _ in range(arguments.repeats):
        started = time.perf_counter()
        data = generate(spec, kinds)
        generating.append(time.perf_counter() - started)
        started = time.perf_counter()
        check_integrity(data, spec)
        checking.append(time.perf_counter() - started)
        versions.add(data.version)
    rows = sum(len(table) for table in data.tables)
    print(
        f"{rows} rows: generate median {statistics.median(generating):.3f} s, "
        f"integrity median {statistics.median(checking):.3f} s, "
        f"{len(versions)} version(s) over {arguments.repeats} runs"
    )


if __name__ == "__main__":
    main()
