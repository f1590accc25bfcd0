"""What ``orch env up|down|status|logs|prune`` do, for the Python API and the CLI.

``up`` brings an environment up outside any run and leaves it up (its owner is ``kept``: the
reaper and ``prune`` leave it alone) until ``down`` removes it. ``status`` lists the owners of
this project's state folder: kept ones with their addresses, those a live run is using (which
run), warm ones of a pool (for how long unused) and leftovers of dead orchestrators, which
``prune`` (and every start) removes; ``prune(pool=True)`` empties the pool too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from attrs import frozen

from orch.core.bootstrap import Services
from orch.core.environment.owners import held, owners_dir, prune, remove
from orch.core.environment.pool import Pool
from orch.core.environment.pool_files import idle_since, owner_in, record
from orch.core.environment.session import EnvironmentSession
from orch.core.workflow.model import Workflow
from orch.ports import ConfigError, Owner


@frozen
class EnvironmentState:
    """One owner of this project: ``state`` is ``kept``, ``in use`` (a live run holds it),
    ``warm`` (in a pool, unused for ``idle`` seconds) or ``leftover``; ``services`` are the
    addresses a kept or warm one was left with; ``used_by`` the run using it (or that used a
    warm one last); ``pool`` what its pool says (None: it is no pool's)."""

    owner: Owner
    state: str
    services: dict[str, dict[str, Any]]
    used_by: str = ""
    idle: float | None = None
    pool: dict[str, Any] | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "environment": self.owner.environment,
            "owner": self.owner.id,
            "run": self.owner.run,
            "state": self.state,
            "spec_hash": self.owner.spec_hash,
            "services": self.services,
            "used_by": self.used_by or self.owner.run,
            "idle_seconds": None if self.idle is None else round(self.idle, 1),
            "pool": self.pool,
        }


def env_up(workflow: Workflow, services: Services, name: str) -> EnvironmentState:
    """Bring environment ``name`` of ``workflow`` up and leave it up."""
    spec = workflow.environment(name)
    session = EnvironmentSession(
        {name: spec},
        services.provisioners,
        state_dir=services.state_dir,
        root=workflow.root,
        keep=True,
    )
    run = "env-" + time.strftime("%Y%m%d-%H%M%S")
    session.up(name, run)
    session.close()
    [state] = [found for found in env_status(services) if found.owner.run == run]
    return state


def env_status(services: Services) -> list[EnvironmentState]:
    """Every owner of this project's environments, oldest first."""
    return [_state(owner, time.time()) for owner in _owners(services)]


def _state(owner: Owner, now: float) -> EnvironmentState:
    if owner.kept.exists():
        return EnvironmentState(owner, "kept", json.loads(owner.kept.read_text()))
    found = record(owner.directory)
    pool = None
    if found is not None:
        pool = {key: found.get(key) for key in ("size", "idle")}
    since = idle_since(found, now)
    in_use = held(owner)
    if since is not None and found is not None and not in_use:
        addresses = {
            name: {key: data[key] for key in ("host", "ports", "url")}
            for name, data in found.get("endpoints", {}).items()
        }
        return EnvironmentState(owner, "warm", addresses, found["run"], now - since, pool)
    state = "in use" if in_use else "leftover"
    used_by = str(found["run"]) if found is not None and found.get("run") else owner.run
    return EnvironmentState(owner, state, {}, used_by, None, pool)


def env_down(services: Services, name: str | None) -> list[str]:
    """Remove the kept, warm and leftover environments called ``name`` (None: all of them); a
    line ``removed ...`` per resource. One a live run is using is left alone, said in a line."""
    lines: list[str] = []
    found = [state for state in env_status(services) if name in (None, state.owner.environment)]
    if name is not None and not found:
        raise ConfigError(f"no environment '{name}' is up here; `orch env status` lists them")
    pool = Pool(owners_dir(services.state_dir))
    for state in found:
        owner = state.owner
        removed = pool.evict(owner, services.provisioners) if state.state == "warm" else None
        if state.state == "in use" or (state.state == "warm" and removed is None):
            lines.append(f"{owner.id}: in use by run {state.used_by}; left up")
            continue
        if removed is None:
            owner.kept.unlink(missing_ok=True)
            removed = remove(owner.id, owner.directory, services.provisioners)
        lines += [f"removed {line}" for line in removed]
    return lines


def env_logs(services: Services, name: str, service: str, tail: int = 0) -> str:
    """What ``service`` of the environment called ``name`` printed: asked of the provisioners
    while it is up (kept or in use), else read from the newest run that kept its output."""
    for state in reversed(env_status(services)):
        if state.owner.environment != name:
            continue
        for provisioner in services.provisioners:
            if provisioner.unavailable() is None:
                found = provisioner.logs(state.owner.id, service, tail)
                if found is not None:
                    return found
    kept = sorted(services.state_dir.glob(f"service-logs/*/{name}/{service}.log"))
    if not kept:
        raise ConfigError(
            f"no output of service '{service}' of environment '{name}' is here; "
            "`orch env status` lists the environments that are up"
        )
    text = kept[-1].read_text(errors="replace")
    return "".join(text.splitlines(keepends=True)[-tail:]) if tail else text


def env_prune(services: Services, pool: bool = False) -> list[str]:
    """Remove what orchestrators that are gone left behind, on this machine; ``pool`` also
    every warm environment of this project's pools (none a run is using)."""
    removed = prune(services.provisioners)
    if pool:
        warm = Pool(owners_dir(services.state_dir))
        for state in env_status(services):
            if state.state == "warm":
                removed += warm.evict(state.owner, services.provisioners) or []
    return removed


def _owners(services: Services) -> list[Owner]:
    """The owners with a folder in this project's state, or with resources naming one."""
    base = owners_dir(services.state_dir).resolve()
    found: dict[str, Owner] = {}
    for labels in sorted(base.glob("*/owner.json")):
        owner = owner_in(labels.parent)
        if owner is not None:
            found[owner.id] = owner
    for provisioner in services.provisioners:
        if provisioner.unavailable() is None:
            for owner in provisioner.owners():
                if Path(owner.directory).resolve().parent == base:
                    found.setdefault(owner.id, owner)
    return sorted(found.values(), key=lambda owner: owner.run)
