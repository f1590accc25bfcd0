"""The environment pool's figure: how long a run waits for its environment, cold against warm.

The environment: PostgreSQL with a schema (a process from the machine's binaries) and a busybox
HTTP container that depends on it and gets its address; ready means PostgreSQL answers with the
schema loaded and the container answers ``GET /`` with 200. Runs go 4 at a time in parallel,
each through an ``EnvironmentSession`` of its own (as ``orch run`` brings environments up), on
the Docker and process provisioners: ``--runs`` of them with no pool (cold: every run starts the
services), then the same number with a pool of 2 whose reset truncates the table, filled by two
untimed runs first (so of each 4, two get a warm one and two start fresh, never waiting). It
prints each mode's median time-to-ready (``up`` returned, healthy), how many runs got a warm
one, and the ratio; the pool is emptied at the end and what is left is counted (0 expected).

    uv run --no-sync python tests/bench/environment_pool.py [--runs 8]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "helpers"), str(TESTS / "e2e")]

from docker_images import busybox_image  # noqa: E402
from environment_project import left_behind  # noqa: E402

from orch.core import Environment, load_registry  # noqa: E402
from orch.core.bootstrap import Services  # noqa: E402
from orch.core.environment.session import EnvironmentSession  # noqa: E402
from orch.core.environment_commands import env_prune  # noqa: E402
from orch.ports import EnvironmentSpec, Provisioner  # noqa: E402

PARALLEL = 4
POOL = {"size": 2, "reset": ['psql "$ORCH_DB_URL" -X -q -c "TRUNCATE payments"']}
SCHEMA = "create table payments (id serial primary key, amount numeric not null);\n"
SERVE = "mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"


def spec(root: Path, image: str, pool: bool) -> EnvironmentSpec:
    environment = Environment("bench", root=root, pool=POOL if pool else None)
    environment.add_service(
        "db", {"type": "postgres", "config": {"schemas": ["schema.sql"], "mode": "process"}}
    )
    environment.add_service(
        "api",
        {
            "type": "docker",
            "image": image,
            "command": ["sh", "-c", SERVE],
            "ports": [8080],
            "env": {"DB": "{db.host}:{db.port}"},
            "depends_on": ["db"],
            "wait": {"http": "/"},
        },
    )
    return environment.spec


class Bench:
    """Runs of one project folder, each a session bringing the environment up and down."""

    def __init__(self, root: Path, provisioners: list[Provisioner]) -> None:
        self.root = root
        self.provisioners = provisioners
        self.prefix = f"pool-bench-{uuid.uuid4().hex[:6]}"
        self.numbers = itertools.count(1)

    def run(self, environment: EnvironmentSpec) -> tuple[float, bool]:
        """Seconds until the environment is ready, and whether it came warm from the pool."""
        run = f"{self.prefix}-{next(self.numbers)}"
        session = EnvironmentSession(
            {"bench": environment},
            self.provisioners,
            state_dir=self.root / ".orch",
            root=self.root,
        )
        began = time.perf_counter()
        session.up("bench", run)
        ready = time.perf_counter() - began
        warm = session.up_now["bench"][1].owner.run != run
        time.sleep(0.2)  # the tests would run here
        session.close()
        return ready, warm

    def batch(self, environment: EnvironmentSpec, runs: int) -> list[tuple[float, bool]]:
        done: list[tuple[float, bool]] = []
        for _ in range(0, runs, PARALLEL):
            with ThreadPoolExecutor(PARALLEL) as workers:
                done += workers.map(lambda _: self.run(environment), range(PARALLEL))
        return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="runs per mode (a multiple of 4)")
    runs = max(PARALLEL, parser.parse_args().runs // PARALLEL * PARALLEL)
    image = busybox_image(docker.from_env())
    registry = load_registry()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "schema.sql").write_text(SCHEMA)
        provisioners = [
            registry.provisioners.build(name, root / ".orch") for name in ("docker", "process")
        ]
        bench = Bench(root, provisioners)
        cold = bench.batch(spec(root, image, pool=False), runs)
        pooled = spec(root, image, pool=True)
        with ThreadPoolExecutor(2) as workers:  # fill the pool: two environments given back
            list(workers.map(lambda _: bench.run(pooled), range(2)))
        warm = bench.batch(pooled, runs)
        services = Services(
            registry, None, None, None, None, root / ".orch", provisioners=provisioners
        )
        env_prune(services, pool=True)
        time.sleep(1)  # the reapers of removed ones finish
        left = left_behind(bench.prefix)
    cold_median = statistics.median(seconds for seconds, _ in cold)
    pool_median = statistics.median(seconds for seconds, _ in warm)
    served = [seconds for seconds, was_warm in warm if was_warm]
    print(f"cold:  {runs} runs, {PARALLEL} in parallel: median time-to-ready {cold_median:.2f} s")
    print(
        f"pool:  {runs} runs, {PARALLEL} in parallel, pool of 2: median time-to-ready "
        f"{pool_median:.2f} s; {len(served)} got a warm environment, median "
        f"{statistics.median(served) if served else float('nan'):.2f} s"
    )
    print(f"ratio: pool / cold {pool_median / cold_median:.2f}", end="")
    if served:
        print(f", warm / cold {statistics.median(served) / cold_median:.2f}")
    print(f"left after env prune --pool: {len(left)}")
    return 0 if not left else 1


if __name__ == "__main__":
    sys.exit(main())
