"""A pool of real PostgreSQL servers run as processes: a run gives its server back warm, the next
run gets the same one at the same port with its table emptied by the reset hook, a reaper leaves
a warm one alone and removes one whose run died, and emptying the pool leaves nothing."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from orch.adapters.local import leftovers, processes
from orch.adapters.local.provisioning import ProcessProvisioner
from orch.core.bootstrap import Services
from orch.core.environment.session import EnvironmentSession
from orch.core.environment_commands import env_prune, env_status
from orch.core.plugins import load_registry
from orch.ports import EnvironmentSpec, Pool, PortMapping, PostgresConfig, ServiceSpec
from orch.ports.environment import POSTGRES_PORT
from orch.testing.provisioner_contracts import eventually

RESET = 'psql "$ORCH_DB_URL" -X -q -v ON_ERROR_STOP=1 -c "TRUNCATE items"'


def _sql(url: str, sql: str) -> str:
    done = subprocess.run(
        ["psql", url, "-X", "-tA", "-c", sql], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _reapers(owner_id: str) -> list[int]:
    """The reaper processes watching ``owner_id``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"orch.core.reaper" in argv and owner_id.encode() in argv:
            found.append(int(entry.name))
    return [pid for pid in found if processes.alive(pid)]


class Runs:
    """Runs of one project whose environment is a postgres process with a pool of 2."""

    def __init__(self, root: Path) -> None:
        (root / "schema.sql").write_text("CREATE TABLE items (name text);\n")
        config = PostgresConfig(schemas=("schema.sql",), mode="process")
        db = ServiceSpec("db", "postgres", config=config, ports=(PortMapping(POSTGRES_PORT),))
        self.spec = EnvironmentSpec("it", (db,), Pool(2, (RESET,), 600.0))
        self.root = root
        self.state_dir = root / ".orch"
        self.prefix = f"pool-{uuid.uuid4().hex[:6]}"

    def session(self) -> EnvironmentSession:
        return EnvironmentSession(
            {"it": self.spec}, [ProcessProvisioner()], state_dir=self.state_dir, root=self.root
        )

    def services(self) -> Services:
        provisioners = [ProcessProvisioner()]
        return Services(
            load_registry(), None, None, None, None, self.state_dir, provisioners=provisioners
        )

    def mine(self) -> list[str]:
        return [owner.id for owner in leftovers.owners() if owner.id.startswith(self.prefix)]


@pytest.fixture
def runs(tmp_path: Path):
    made = Runs(tmp_path)
    yield made
    env_prune(made.services(), pool=True)
    for owner_id in made.mine():
        leftovers.remove(owner_id)


def test_the_second_run_gets_the_same_server_reset_and_the_pool_empties_clean(runs: Runs):
    first = runs.session()
    first.up("it", f"{runs.prefix}-1")
    up, claimed = first.up_now["it"]
    url, port = up.endpoints["db"].url, up.endpoints["db"].ports[POSTGRES_PORT]
    _sql(url, "INSERT INTO items VALUES ('pen'), ('ink')")
    first.close()
    owner_id = claimed.owner.id
    eventually(lambda: not _reapers(owner_id))  # its reaper saw it warm and left
    assert runs.mine() == [owner_id]
    assert _sql(url, "SELECT count(*) FROM items") == "2"  # still up, not reset yet

    started = time.monotonic()
    second = runs.session()
    second.up("it", f"{runs.prefix}-2")
    took = time.monotonic() - started
    again, taken = second.up_now["it"]
    assert taken.owner.id == owner_id and again.endpoints["db"].ports[POSTGRES_PORT] == port
    assert _sql(again.endpoints["db"].url, "SELECT count(*) FROM items") == "0"
    assert len(_reapers(owner_id)) == 1  # a reaper of its own
    [state] = env_status(runs.services())
    assert (state.state, state.used_by) == ("in use", f"{runs.prefix}-2")
    second.close()
    assert took < 5

    removed = env_prune(runs.services(), pool=True)
    assert any(line.startswith("process ") for line in removed)
    assert runs.mine() == []
    assert env_status(runs.services()) == []
    tag = f"env/{owner_id}/".encode()
    assert not [pid for pid in processes.tagged_tree(lambda found: found.startswith(tag.decode()))]


def test_a_run_that_dies_with_a_warm_server_has_it_removed_by_its_reaper(runs: Runs):
    first = runs.session()
    first.up("it", f"{runs.prefix}-1")
    first.close()
    second = runs.session()
    second.up("it", f"{runs.prefix}-2")
    _, taken = second.up_now["it"]
    taken.release()  # as the kernel does when that orchestrator is SIGKILLed
    second.up_now.clear()
    eventually(lambda: runs.mine() == [], seconds=30)
    eventually(lambda: not os.path.exists(taken.owner.directory))
