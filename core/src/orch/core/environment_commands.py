"""What ``orch env up|down|status|logs|prune`` do, for the Python API and the CLI.

``up`` brings an environment up outside any run and leaves it up (its owner is ``kept``: the
reaper and ``prune`` leave it alone) until ``down`` removes it. ``status`` lists the owners of
this project's state folder: kept ones with their addresses, those a live run is using, and
leftovers of dead orchestrators, which ``prune`` (and every start) removes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from attrs import frozen

from orch.core.bootstrap import Services
from orch.core.environment.owners import gone, owners_dir, prune, remove
from orch.core.environment.session import EnvironmentSession
from orch.core.workflow.model import Workflow
from orch.ports import ConfigError, Owner, owner_from_labels


@frozen
class EnvironmentState:
    """One owner of this project: ``state`` is ``kept``, ``in use`` (a live run holds it) or
    ``leftover``; ``services`` are the addresses a kept one was left with."""

    owner: Owner
    state: str
    services: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, object]:
        return {
            "environment": self.owner.environment,
            "owner": self.owner.id,
            "run": self.owner.run,
            "state": self.state,
            "spec_hash": self.owner.spec_hash,
            "services": self.services,
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
    states = []
    for owner in _owners(services):
        kept = owner.kept.exists()
        state = "kept" if kept else "leftover" if gone(owner) else "in use"
        addresses = json.loads(owner.kept.read_text()) if kept else {}
        states.append(EnvironmentState(owner, state, addresses))
    return states


def env_down(services: Services, name: str | None) -> list[str]:
    """Remove the kept and leftover environments called ``name`` (None: all of them); a line
    ``removed ...`` per resource. One a live run is using is left alone, said in a line."""
    lines: list[str] = []
    found = [state for state in env_status(services) if name in (None, state.owner.environment)]
    if name is not None and not found:
        raise ConfigError(f"no environment '{name}' is up here; `orch env status` lists them")
    for state in found:
        if state.state == "in use":
            lines.append(f"{state.owner.id}: in use by run {state.owner.run}; left up")
            continue
        state.owner.kept.unlink(missing_ok=True)
        removed = remove(state.owner.id, state.owner.directory, services.provisioners)
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


def env_prune(services: Services) -> list[str]:
    """Remove what orchestrators that are gone left behind, on this machine."""
    return prune(services.provisioners)


def _owners(services: Services) -> list[Owner]:
    """The owners with a folder in this project's state, or with resources naming one."""
    base = owners_dir(services.state_dir).resolve()
    found: dict[str, Owner] = {}
    for labels in sorted(base.glob("*/owner.json")):
        owner = owner_from_labels(json.loads(labels.read_text()))
        if owner is not None:
            found[owner.id] = owner
    for provisioner in services.provisioners:
        if provisioner.unavailable() is None:
            for owner in provisioner.owners():
                if Path(owner.directory).resolve().parent == base:
                    found.setdefault(owner.id, owner)
    return sorted(found.values(), key=lambda owner: owner.run)
