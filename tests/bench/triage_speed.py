"""Speed and memory of failure clustering (normalise + Drain-style mining + fingerprint).

Generates ``--failures`` synthetic failures from a few dozen realistic message templates in
Python, Java, node and .NET, each with random values and a matching stack trace, parses the traces
(timed separately), then times ``cluster_failures`` on them and, in the same run, the naive
approach a user would write: ``re.search`` of ~30 category regexes over each message. Prints
failures/s of both and their ratio (medians of ``--repeats``), the peak RSS, and the miner's size
after 10% and 100% of a streamed run (it must follow the templates, not the failures). Exit 1
when clustering is below ``--target`` failures/s or the miner grows with the failures.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import sys
import time
import uuid

from orch.core.triage.categories import categorise
from orch.core.triage.clustering import (
    TemplateMiner,
    cluster_failures,
    fingerprint,
    message_of,
    normalise,
)
from orch.core.triage.traces import failure_from
from orch.ports import Failure, Outcome, TestResult


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _host(rng: random.Random) -> str:
    return f"{rng.choice(['db', 'cache', 'api', 'host'])}-{rng.randrange(20)}"


def _ip(rng: random.Random) -> str:
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _ts(rng: random.Random) -> str:
    day = f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    return f"{day}T{rng.randrange(24):02d}:11:0{rng.randrange(10)}Z"


MESSAGES = (
    # (language, exception type, message maker)
    ("py", "TimeoutError", lambda r: f"Timeout after {r.randrange(5, 90)}s on {_host(r)}"),
    ("py", "AssertionError", lambda r: f"assert {r.randrange(100)} == {r.randrange(100)}"),
    ("py", "KeyError", lambda r: f"KeyError: 'order_{r.randrange(10**6)}'"),
    (
        "py",
        "requests.exceptions.ConnectionError",
        lambda r: (
            f"HTTPConnectionPool(host='{_ip(r)}', port={r.randrange(1024, 65535)}): "
            "Max retries exceeded with url: /api/v1/orders"
        ),
    ),
    (
        "py",
        "FileNotFoundError",
        lambda r: (
            f"[Errno 2] No such file or directory: '/tmp/pytest-of-ci/pytest-{r.randrange(99)}/"
            f"test_export{r.randrange(9)}/out.csv'"
        ),
    ),
    ("py", "ValueError", lambda r: f"invalid literal for int() with base 10: '{_hex(r, 6)}'"),
    (
        "py",
        "sqlalchemy.exc.OperationalError",
        lambda r: (
            f'(psycopg2.OperationalError) connection to server at "{_host(r)}" ({_ip(r)}), '
            f"port 5432 failed: timeout expired after {r.randrange(1, 30)}.{r.randrange(10)} s"
        ),
    ),
    (
        "py",
        "AssertionError",
        lambda r: (
            f"expected status 200 but got {r.choice([500, 502, 503, 404])} for request "
            f"{uuid.UUID(int=r.getrandbits(128))}"
        ),
    ),
    (
        "py",
        "RuntimeError",
        lambda r: f"Event loop is closed (task <Task pending coro=<fetch() at 0x{_hex(r, 12)}>)",
    ),
    ("py", "AttributeError", lambda r: "'NoneType' object has no attribute 'total'"),
    (
        "py",
        "PermissionError",
        lambda r: f"[Errno 13] Permission denied: '/var/tmp/build-{r.randrange(999)}/cache.db'",
    ),
    (
        "py",
        "redis.exceptions.ConnectionError",
        lambda r: f"Error 111 connecting to {_host(r)}:6379. Connection refused.",
    ),
    (
        "java",
        "java.lang.NullPointerException",
        lambda r: f'Cannot invoke "com.acme.Order.total()" because "order{r.randrange(9)}" is null',
    ),
    (
        "java",
        "org.opentest4j.AssertionFailedError",
        lambda r: f"expected: <{r.randrange(1000)}> but was: <{r.randrange(1000)}>",
    ),
    (
        "java",
        "java.util.concurrent.TimeoutException",
        lambda r: f"Waited {r.randrange(100, 5000)} ms for {_host(r)}:{r.randrange(1024, 65535)}",
    ),
    (
        "java",
        "org.postgresql.util.PSQLException",
        lambda r: (
            f"Connection to {_host(r)}:5432 refused. Check that the hostname and port are "
            "correct and that the postmaster is accepting TCP/IP connections."
        ),
    ),
    (
        "java",
        "java.lang.IllegalStateException",
        lambda r: f"Order {r.randrange(10**6)} in state SHIPPED cannot be cancelled at {_ts(r)}",
    ),
    ("java", "java.lang.OutOfMemoryError", lambda r: "Java heap space"),
    (
        "java",
        "com.acme.inventory.StockException",
        lambda r: (
            f"SKU-{r.randrange(10**5)} has {r.randrange(5)} items, {r.randrange(5, 50)} requested"
        ),
    ),
    (
        "java",
        "java.lang.ClassCastException",
        lambda r: f"class com.acme.Item@{_hex(r, 8)} cannot be cast to class com.acme.Bundle",
    ),
    (
        "js",
        "AssertionError",
        lambda r: f"Expected values to be strictly equal: {r.randrange(50)} !== {r.randrange(50)}",
    ),
    ("js", "TypeError", lambda r: "Cannot read properties of undefined (reading 'price')"),
    (
        "js",
        "Error",
        lambda r: f"connect ECONNREFUSED {_ip(r)}:{r.choice([3000, 5432, 6379, 8080])}",
    ),
    (
        "js",
        "Error",
        lambda r: (
            f"Timeout of {r.choice([2000, 5000])}ms exceeded. For async tests and "
            'hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.'
        ),
    ),
    ("js", "SyntaxError", lambda r: f"Unexpected token < in JSON at position {r.randrange(500)}"),
    (
        "js",
        "Error",
        lambda r: f"ENOENT: no such file or directory, open '/tmp/jest_{_hex(r, 6)}/map.json'",
    ),
    ("js", "RangeError", lambda r: "Maximum call stack size exceeded"),
    ("cs", "System.InvalidOperationException", lambda r: "Sequence contains no elements"),
    (
        "cs",
        "System.NullReferenceException",
        lambda r: "Object reference not set to an instance of an object.",
    ),
    (
        "cs",
        "Xunit.Sdk.EqualException",
        lambda r: f"Assert.Equal() Failure Expected: {r.randrange(100)} Actual: {r.randrange(100)}",
    ),
    (
        "cs",
        "System.TimeoutException",
        lambda r: f"The operation has timed out after 00:00:{r.randrange(10, 60)} on {_host(r)}",
    ),
    (
        "cs",
        "System.IO.IOException",
        lambda r: (
            "The process cannot access the file "
            f"'C:\\Users\\ci\\AppData\\Local\\Temp\\tmp{_hex(r, 4)}.tmp' "
            "because it is being used by another process."
        ),
    ),
    (
        "cs",
        "Npgsql.NpgsqlException",
        lambda r: f"Failed to connect to {_ip(r)}:5432 after {r.randrange(1, 60)} seconds",
    ),
)

MODULES = ("orders", "payments", "inventory", "shipping", "users", "billing")


def _trace(rng: random.Random, language: str, kind: str, message: str) -> str:
    module = rng.choice(MODULES)
    depth = rng.randrange(2, 6)
    if language == "py":
        frames = "".join(
            f'  File "/builds/acme/{module}/src/{module}/step{i}.py", '
            f"line {rng.randrange(1, 400)}, in handle_{i}\n    call()\n"
            for i in range(depth)
        )
        library = '  File "/venv/lib/python3.11/site-packages/lib/core.py", line 88, in run\n'
        return f"Traceback (most recent call last):\n{frames}{library}{kind}: {message}\n"
    if language == "java":
        frames = "".join(
            f"\tat com.acme.{module}.Step{i}.handle(Step{i}.java:{rng.randrange(1, 400)})\n"
            for i in range(depth)
        )
        return f"{kind}: {message}\n{frames}\tat java.base/java.lang.Thread.run(Thread.java:833)\n"
    if language == "js":
        frames = "".join(
            f"    at handle{i} (/srv/{module}/src/step{i}.js:"
            f"{rng.randrange(1, 400)}:{rng.randrange(80)})\n"
            for i in range(depth)
        )
        tail = "    at processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
        return f"{kind}: {message}\n{frames}{tail}"
    frames = "".join(
        f"   at Acme.{module.title()}.Step{i}.Handle() in C:\\src\\{module}\\Step{i}.cs:"
        f"line {rng.randrange(1, 400)}\n"
        for i in range(depth)
    )
    return f"{kind}: {message}\n{frames}"


def synthetic_results(count: int, seed: int = 1) -> list[TestResult]:
    """``count`` failed results with realistic messages and traces, values drawn at random."""
    rng = random.Random(seed)
    results = []
    for n in range(count):
        language, kind, make = rng.choice(MESSAGES)
        message = make(rng)
        app = rng.choice(MODULES)
        nodeid = f"tests/test_{rng.randrange(200)}.py::test_case_{rng.randrange(50)}"
        results.append(
            TestResult(
                app,
                nodeid,
                Outcome.FAILED,
                message=message,
                longrepr=_trace(rng, language, kind, message),
            )
        )
        del n
    return results


CATEGORY_PATTERNS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"timed? ?out",
        r"timeout",
        r"connection refused",
        r"econnrefused",
        r"max retries exceeded",
        r"could not connect",
        r"no such file or directory",
        r"permission denied",
        r"enoent",
        r"out of memory|heap space",
        r"null ?pointer|nullreference|is null",
        r"cannot read propert",
        r"has no attribute",
        r"keyerror",
        r"invalid literal",
        r"expected.*but (was|got)",
        r"assert",
        r"!==",
        r"strictly equal",
        r"unexpected token",
        r"maximum call stack",
        r"sequence contains no elements",
        r"cannot be cast",
        r"event loop is closed",
        r"being used by another process",
        r"postmaster",
        r"deadlock",
        r"ssl|certificate",
        r"disk full|no space left",
        r"\b5\d\d\b",
    )
]


def naive(messages: list[str]) -> int:
    """What a user would write: the first of ~30 category regexes that matches each message."""
    matched = 0
    for message in messages:
        for pattern in CATEGORY_PATTERNS:
            if pattern.search(message):
                matched += 1
                break
    return matched


def streamed_miner_sizes(failures: list[Failure], passes: int) -> list[tuple[int, int]]:
    """(failures seen, templates held) while streaming ``passes`` times over the failures."""
    miner = TemplateMiner()
    sizes = []
    seen = 0
    for _ in range(passes):
        for failure in failures:
            miner.add(failure.exception_type, normalise(message_of(failure)))
            fingerprint(failure)
            seen += 1
        sizes.append((seen, len(miner)))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target", type=float, default=10_000.0)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args(argv)

    results = synthetic_results(args.failures)
    start = time.perf_counter()
    failures = [failure_from(result) for result in results]
    parse_rate = len(failures) / (time.perf_counter() - start)
    messages = [message_of(failure) for failure in failures]

    cluster_rates, naive_rates, both_rates = [], [], []
    clusters = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        clusters = cluster_failures(failures)
        cluster_rates.append(len(failures) / (time.perf_counter() - start))
        start = time.perf_counter()
        cluster_failures([categorise(failure, ()) for failure in failures])
        both_rates.append(len(failures) / (time.perf_counter() - start))
        start = time.perf_counter()
        naive(messages)
        naive_rates.append(len(messages) / (time.perf_counter() - start))
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx(
            "cluster_failures(failures)", globals(), {"failures": failures}, "/tmp/triage.prof"
        )
        pstats.Stats("/tmp/triage.prof").sort_stats("cumulative").print_stats(args.profile)

    tenth = failures[: len(failures) // 10]
    small = streamed_miner_sizes(tenth, 1)[-1]
    big = streamed_miner_sizes(failures, 3)[-1]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cluster_rate = statistics.median(cluster_rates)
    both_rate = statistics.median(both_rates)
    naive_rate = statistics.median(naive_rates)
    print(f"failures:               {len(failures)} from {len(MESSAGES)} message templates")
    print(f"trace parsing:          {parse_rate:,.0f} failures/s (failure_from, not in the target)")
    print(f"clustering:             {cluster_rate:,.0f} failures/s (median of {args.repeats})")
    print(
        f"naive regex loop:       {naive_rate:,.0f} failures/s ({len(CATEGORY_PATTERNS)} regexes)"
    )
    print(f"categorised+clustered:  {both_rate:,.0f} failures/s (the issue's figure)")
    print(f"ratio clustering/naive: {cluster_rate / naive_rate:.2f}")
    print(f"ratio both/naive:       {both_rate / naive_rate:.2f}")
    print(f"clusters:               {len(clusters)} (largest share {clusters[0].share:.3f})")
    print(
        f"miner templates:        {small[1]} after {small[0]:,} failures, {big[1]} after {big[0]:,}"
    )
    print(
        f"peak RSS:               {peak_mb:,.0f} MB (includes the {len(failures):,} failures held)"
    )
    bounded = big[1] <= max(small[1] * 2, small[1] + 50)
    ok = both_rate >= args.target and bounded
    print(
        "PASS" if ok else "FAIL",
        f"(target {args.target:,.0f} failures/s categorised and clustered, bounded miner)",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
