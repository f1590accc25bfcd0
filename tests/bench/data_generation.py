"""Generating test data: orch against the loops a user would otherwise write, side by side.

100,000 rows (``--rows``) over three entities with references, the same fields in each tool:
users (20 %: uuid, name, unique email, timestamp), payment methods (30 %: uuid, a user,
type enum, a small JSON object) and orders (50 %: uuid, a user, decimal amount, status
enum, timestamp). The tools:

- **orch**: ``generate`` (every column drawn at once) plus ``check_integrity``;
- **faker loop**: one Faker call per value, a row at a time, references picked from the
  generated ids (``fake.unique.email()`` for the unique email);
- **mimesis loop**: the same with Mimesis' providers, seeded (which refuses ``unique=True``:
  a seen-set redraws a repeated email, as a user would).

``--repeats`` rounds, the order rotating each round; medians and ratios to orch. The target:
orch <= 3 s. Exit 1 when it is missed or two orch runs differ.

    uv run --no-sync python tests/bench/data_generation.py [--rows 100000] [--repeats 3] [--json F]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from orch.core import load_registry
from orch.core.data.generation import generate
from orch.core.data.integrity import check_integrity
from orch.core.data.kinds import available_kinds
from orch.core.data.test_data import TestData

TARGET_SECONDS = 3.0
START, END = dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 12, 31, tzinfo=dt.UTC)
TYPES = ["credit_card", "paypal", "bank_transfer"]
STATUSES = ["new", "paid", "shipped", "refunded"]


def sizes(rows: int) -> tuple[int, int, int]:
    users, methods = rows * 2 // 10, rows * 3 // 10
    return users, methods, rows - users - methods


def dataset(rows: int) -> TestData:
    users, methods, orders = sizes(rows)
    data = TestData("bench", seed=3)
    data.add_generator(
        "users",
        {
            "count": users,
            "schema": {
                "id": "uuid",
                "name": "name",
                "email": {"kind": "email", "unique": True},
                "created_at": "timestamp",
            },
        },
    )
    data.add_generator(
        "payment_methods",
        {
            "count": methods,
            "schema": {
                "id": "uuid",
                "user_id": "ref:users.id",
                "type": "enum:" + ",".join(TYPES),
                "details": "json",
            },
        },
    )
    data.add_generator(
        "orders",
        {
            "count": orders,
            "schema": {
                "id": "uuid",
                "user_id": "ref:users.id",
                "amount": "decimal:1..999",
                "status": "enum:" + ",".join(STATUSES),
                "created_at": "timestamp",
            },
        },
    )
    return data


def orch_tool(rows: int) -> Callable[[], Any]:
    kinds = available_kinds(load_registry())
    spec = dataset(rows).spec(kinds)

    def run() -> Any:
        data = generate(spec, kinds)
        check_integrity(data, spec)
        return data.version

    return run


def faker_tool(rows: int) -> Callable[[], Any]:
    from faker import Faker

    users, methods, orders = sizes(rows)

    def run() -> Any:
        fake = Faker()
        Faker.seed(3)
        made: dict[str, list[dict[str, Any]]] = {"users": [], "payment_methods": [], "orders": []}
        for _ in range(users):
            made["users"].append(
                {
                    "id": fake.uuid4(),
                    "name": fake.name(),
                    "email": fake.unique.email(),
                    "created_at": fake.date_time_between(START, END, dt.UTC).isoformat(),
                }
            )
        ids = [user["id"] for user in made["users"]]
        for _ in range(methods):
            made["payment_methods"].append(
                {
                    "id": fake.uuid4(),
                    "user_id": fake.random_element(ids),
                    "type": fake.random_element(TYPES),
                    "details": {"code": fake.lexify("?????"), "level": fake.random_int(0, 9)},
                }
            )
        for _ in range(orders):
            made["orders"].append(
                {
                    "id": fake.uuid4(),
                    "user_id": fake.random_element(ids),
                    "amount": str(Decimal(fake.random_int(100, 99900)) / 100),
                    "status": fake.random_element(STATUSES),
                    "created_at": fake.date_time_between(START, END, dt.UTC).isoformat(),
                }
            )
        return len(made["orders"])

    return run


def mimesis_tool(rows: int) -> Callable[[], Any]:
    from mimesis import Cryptographic, Datetime, Numeric, Person, Text

    users, methods, orders = sizes(rows)

    def run() -> Any:
        person, clock, crypto = Person(seed=3), Datetime(seed=3), Cryptographic(seed=3)
        numbers, text, pick = Numeric(seed=3), Text(seed=3), random.Random(3)
        made: dict[str, list[dict[str, Any]]] = {"users": [], "payment_methods": [], "orders": []}
        seen: set[str] = set()
        for _ in range(users):
            email = person.email()
            while email in seen:  # Mimesis refuses unique=True on a seeded provider
                email = person.email()
            seen.add(email)
            made["users"].append(
                {
                    "id": crypto.uuid(),
                    "name": person.full_name(),
                    "email": email,
                    "created_at": clock.datetime(2020, 2025).isoformat(),
                }
            )
        ids = [user["id"] for user in made["users"]]
        for _ in range(methods):
            made["payment_methods"].append(
                {
                    "id": crypto.uuid(),
                    "user_id": pick.choice(ids),
                    "type": pick.choice(TYPES),
                    "details": {"code": text.word(), "level": numbers.integer_number(0, 9)},
                }
            )
        for _ in range(orders):
            made["orders"].append(
                {
                    "id": crypto.uuid(),
                    "user_id": pick.choice(ids),
                    "amount": str(numbers.decimal_number(1, 999).quantize(Decimal("0.01"))),
                    "status": pick.choice(STATUSES),
                    "created_at": clock.datetime(2020, 2025).isoformat(),
                }
            )
        return len(made["orders"])

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", dest="json_file")
    options = parser.parse_args()
    tools = {
        "orch": orch_tool(options.rows),
        "faker loop": faker_tool(options.rows),
        "mimesis loop": mimesis_tool(options.rows),
    }
    times: dict[str, list[float]] = {name: [] for name in tools}
    versions = set()
    names = list(tools)
    for round_ in range(options.repeats):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            began = time.perf_counter()
            answer = tools[name]()
            times[name].append(time.perf_counter() - began)
            if name == "orch":
                versions.add(answer)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{options.rows} rows over three entities with references, {options.repeats} rounds")
    print(f"{'tool':<14}{'median s':>10}{'ratio to orch':>16}")
    for name, median in medians.items():
        print(f"{name:<14}{median:>10.2f}{median / medians['orch']:>15.1f}x")
    met = medians["orch"] <= TARGET_SECONDS
    verdict = "met" if met else "MISSED"
    print(f"orch {medians['orch']:.2f} s (target <= {TARGET_SECONDS:.0f} s): {verdict}")
    if len(versions) != 1:
        print(f"orch made {len(versions)} different versions from one spec and seed")
    if options.json_file:
        with open(options.json_file, "w") as out:
            json.dump({"rows": options.rows, "seconds": times, "medians": medians}, out, indent=1)
    return 0 if met and len(versions) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
