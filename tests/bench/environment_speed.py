"""Issue 10's figure: a three-service environment up and healthy, then torn down, with orch
and with testcontainers-python, side by side on the same Docker engine and images.

The environment: PostgreSQL with a schema loaded (the locally built test image, which takes the
official image's POSTGRES_* variables), and two busybox HTTP containers that depend on it and
get its address; healthy means PostgreSQL answers with the schema in place and both answer
``GET /`` with 200. testcontainers starts the same three containers on a network of its own in
the same order, waits the same way (``pg_isready``, the schema through ``psql`` in the
container, the HTTP status from the machine), its reaper disabled since its image cannot be
pulled here. orch includes what testcontainers lacks then: its reaper process and the prune of
leftovers at start. Rounds alternate between the two; medians are printed with their ratio.

    uv run --no-sync python tests/bench/environment_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))

from docker_images import busybox_image, postgres_image  # noqa: E402

from orch.core import Environment, load_registry  # noqa: E402
from orch.core.environment.session import EnvironmentSession  # noqa: E402

SCHEMA = "create table payments (id serial primary key, amount numeric not null);\n"
SERVE = "mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"
DB_ENV = {"POSTGRES_USER": "orch", "POSTGRES_PASSWORD": "orch", "POSTGRES_DB": "orch"}


def orch_round(root: Path, images: tuple[str, str]) -> tuple[float, float]:
    """Seconds up (healthy) and down with orch's environment use case and Docker adapter."""
    pg, box = images
    environment = Environment("bench", root=root)
    environment.add_service(
        "db",
        {
            "type": "postgres",
            "image": pg,
            "config": {"schemas": ["schema.sql"], "mode": "container"},
        },
    )
    for name in ("api", "worker"):
        environment.add_service(
            name,
            {
                "type": "docker",
                "image": box,
                "command": ["sh", "-c", SERVE],
                "ports": [8080],
                "env": {"DB": "{db.host}:{db.port}"},
                "depends_on": ["db"],
                "wait": {"http": "/"},
            },
        )
    registry = load_registry()
    provisioner = registry.provisioners.build("docker", root / ".orch")
    session = EnvironmentSession(
        {"bench": environment.spec}, [provisioner], state_dir=root / ".orch", root=root
    )
    began = time.perf_counter()
    session.up("bench", f"bench-{os.getpid()}-{time.monotonic_ns()}")
    up = time.perf_counter() - began
    began = time.perf_counter()
    session.close()
    return up, time.perf_counter() - began


def testcontainers_round(root: Path, images: tuple[str, str]) -> tuple[float, float]:
    """The same with testcontainers-python."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.network import Network

    pg, box = images
    began = time.perf_counter()
    network = Network()
    network.create()
    db = (
        DockerContainer(pg)
        .with_exposed_ports(5432)
        .with_network(network)
        .with_network_aliases("db")
        .with_volume_mapping(str(root), "/schema", "ro")
    )
    for key, value in DB_ENV.items():
        db = db.with_env(key, value)
    db.start()
    _until(lambda: db.exec(["pg_isready", "-h", "127.0.0.1", "-U", "orch"]).exit_code == 0)
    psql = ["env", "PGPASSWORD=orch", "psql", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"]
    loaded = db.exec([*psql, "-U", "orch", "-d", "orch", "-f", "/schema/schema.sql"])
    assert loaded.exit_code == 0, loaded.output
    apps = []
    for name in ("api", "worker"):
        app = (
            DockerContainer(box)
            .with_command(["sh", "-c", SERVE])
            .with_exposed_ports(8080)
            .with_network(network)
            .with_network_aliases(name)
            .with_env("DB", "db:5432")
        )
        app.start()
        apps.append(app)
    for app in apps:
        port = int(app.get_exposed_port(8080))
        _until(lambda port=port: _status(port) == 200)
    up = time.perf_counter() - began
    began = time.perf_counter()
    for container in (*apps, db):
        container.stop()
    network.remove()
    return up, time.perf_counter() - began


def _status(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
            return int(answer.status)
    except OSError:
        return 0


def _until(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("not healthy within 60 s")
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    client = docker.from_env()
    images = (postgres_image(client), busybox_image(client))
    times: dict[str, list[tuple[float, float]]] = {"orch": [], "testcontainers": []}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "schema.sql").write_text(SCHEMA)
        root.chmod(0o755)  # the server in testcontainers' mount reads it as its own user
        for number in range(rounds):
            for tool, measure in (("orch", orch_round), ("testcontainers", testcontainers_round)):
                up, down = measure(root, images)
                times[tool].append((up, down))
                print(
                    f"round {number + 1} {tool:>14}: up {up:.2f} s, down {down:.2f} s", flush=True
                )
    medians = {
        tool: (statistics.median(u for u, _ in pairs), statistics.median(d for _, d in pairs))
        for tool, pairs in times.items()
    }
    (orch_up, orch_down), (tc_up, tc_down) = medians["orch"], medians["testcontainers"]
    print(f"median up:   orch {orch_up:.2f} s, testcontainers {tc_up:.2f} s", end="")
    print(f", ratio {orch_up / tc_up:.2f}")
    print(f"median down: orch {orch_down:.2f} s, testcontainers {tc_down:.2f} s", end="")
    print(f", ratio {orch_down / tc_down:.2f}")
    up_ok = orch_up < 10 and orch_up <= tc_up
    print(f"targets: up < 10 s, no slower than testcontainers: {'PASS' if up_ok else 'FAIL'}")
    print(f"         down < 5 s: {'PASS' if orch_down < 5 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
