"""Reusing the warm environments of a pool: taking one for a run, giving it back when done.

``take`` tries the warm owners of the spec (``pool.Pool.warm``, the warmest first): each one's
lock taken without waiting, its services re-found through every provisioner
(``Provisioner.services``), its health asked (``health.unhealthy``), its reset hook run
(``reset``). The first that passes is the run's, watched by a reaper of its own; one that is
unhealthy or whose reset fails is removed, said in one line on the ``orch.environment.pool``
logger (stderr when nothing else is set up), and the next is tried. None left: the run starts a
fresh one, never waiting for another run. ``give_back`` makes a finished environment warm when
its pool has room and its services are healthy, instead of removing it; what its services
printed so far goes to the run's artifacts, as when one is removed, and its simulators forget
what they were sent (``expectations.forget``): the next run counts only its own requests.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from orch.core.environment.expectations import forget
from orch.core.environment.health import unhealthy
from orch.core.environment.owners import Claim, owners_dir, remove, watch
from orch.core.environment.pool import Pool
from orch.core.environment.pool_files import endpoints_of, record
from orch.core.environment.provisioning import Up
from orch.core.environment.reset import reset
from orch.ports import (
    EnvironmentSpec,
    Owner,
    ProvisionedEnvironment,
    Provisioner,
    RunningService,
)

log = logging.getLogger("orch.environment.pool")


class Reuse:
    """The pool of the state folder ``state_dir`` for the workflow in ``root``; ``reaper`` False
    watches a taken environment with no reaper (the fakes of ``orch.testing``)."""

    def __init__(
        self,
        provisioners: Sequence[Provisioner],
        state_dir: Path,
        root: Path,
        reaper: bool = True,
    ) -> None:
        self.provisioners = provisioners
        self.root = root
        self.reaper = reaper
        self.pool = Pool(owners_dir(state_dir))

    def take(self, spec: EnvironmentSpec, run: str, artifacts: Path) -> tuple[Up, Claim] | None:
        """A warm environment of ``spec``, healthy and reset, now run ``run``'s; None when no
        warm one is free."""
        for owner in self.pool.warm(spec, self.root):
            lock = self.pool.take(owner, run)
            if lock is None:
                continue
            up = self._ready(spec, owner, artifacts)
            if up is None:
                lock.release()
                continue
            if self.reaper:
                watch(owner, [provisioner.PLUGIN_NAME for provisioner in self.provisioners])
            return up, Claim(owner, lock, run)
        return None

    def enlist(self, claimed: Claim, spec: EnvironmentSpec) -> None:
        """Say that the newly claimed owner of ``spec`` (which has a pool) belongs to it."""
        self.pool.enlist(claimed.owner, spec, self.root, claimed.run)

    def give_back(self, up: Up, run: str) -> bool:
        """Whether ``up`` (done with by run ``run``) went warm into its pool rather than being
        left to remove: it has a pool with room, and its services are healthy."""
        spec = up.spec
        if spec.pool is None or unhealthy(spec, up.running) is not None:
            return False
        forget(up)  # before any other run may take it
        if not self.pool.give_back(up.owner, spec, self.root, run, up.endpoints):
            return False
        up.keep_logs()
        return True

    def _ready(self, spec: EnvironmentSpec, owner: Owner, artifacts: Path) -> Up | None:
        """``owner``'s environment, healthy and reset; None once it is removed for not being."""
        endpoints = endpoints_of(record(owner.directory) or {})
        try:
            attached = self._attach(owner)
            problem = unhealthy(spec, attached)
        except Exception as error:  # a warm environment that cannot be asked is not used
            attached, problem = {}, " ".join(f"{type(error).__name__}: {error}".split())
        if problem is None and spec.pool is not None and spec.pool.reset:
            problem = reset(spec.pool.reset, self.root, endpoints)
        if problem is None:
            services: dict[str, tuple[RunningService, ProvisionedEnvironment | None]] = {
                name: (service, None) for name, service in attached.items()
            }
            return Up(spec, owner, artifacts, endpoints=endpoints, services=services, adopted=True)
        log.warning(
            "orch: environment '%s': warm %s not used: %s; removed it",
            spec.name,
            owner.id,
            problem,
        )
        remove(owner.id, owner.directory, self.provisioners)
        return None

    def _attach(self, owner: Owner) -> dict[str, RunningService]:
        """``owner``'s services, re-found through every provisioner that can be reached."""
        attached: dict[str, RunningService] = {}
        for provisioner in self.provisioners:
            if provisioner.unavailable() is None:
                attached.update(provisioner.services(owner))
        return attached
