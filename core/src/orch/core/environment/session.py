"""The environments of one run (or of one ``orch env up``): the ``Environments`` a run asks.

The first ``up`` prunes what dead orchestrators left; each ``up`` takes a warm environment of
the spec's pool when it has one (``reuse``; not when the session keeps its environments), else
claims a new owner (its lock and its reaper) and starts the services, and keeps their
endpoints; ``variables`` are what an application's tests get; ``down`` removes an environment
unless it is to be kept, which writes its endpoints to the owner's ``kept`` file instead
(``orch env status`` and ``down`` read it), or goes warm into its pool.
Each service's output is kept in ``<state>/service-logs/<run>/<environment>/<service>.log``;
``replace`` removes an environment whose service died and brings up a new one (a warm one of
its pool, when there is one), the dead one's output moved to ``<environment>.died/`` first.
``expectations`` checks what its simulators were sent (``expectations.checks``), asked by the
run just before ``down``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from orch.core.environment.choice import Choice
from orch.core.environment.expectations import checks
from orch.core.environment.owners import Claim, claim, prune
from orch.core.environment.provisioning import Provisioning, Up
from orch.core.environment.reuse import Reuse
from orch.core.environment.variables import application_variables
from orch.ports import Application, ConfigError, EnvironmentSpec, Provisioner, RunningService
from orch.ports.simulator import SIMULATED, ExpectationCheck


def service_logs(state_dir: Path, run: str, environment: str) -> Path:
    """Where the services of ``environment`` in run ``run`` leave their output."""
    return state_dir / "service-logs" / run / environment


class EnvironmentSession:
    """Brings up the environments named in ``specs``; ``keep`` leaves them up at the end."""

    def __init__(
        self,
        specs: Mapping[str, EnvironmentSpec],
        provisioners: Sequence[Provisioner],
        *,
        state_dir: Path,
        root: Path,
        keep: bool = False,
        reaper: bool = True,
    ) -> None:
        """``reaper`` False starts no reaper beside each environment: for provisioners whose
        services end with this process (the fakes of ``orch.testing``)."""
        self.specs = specs
        self.provisioners = provisioners
        self.state_dir = state_dir
        self.keep = keep
        self.reaper = reaper
        self.provisioning = Provisioning(Choice(provisioners), root)
        self.reuse = Reuse(provisioners, state_dir, root, reaper)
        self.up_now: dict[str, tuple[Up, Claim]] = {}
        self.pruned: list[str] | None = None
        self._lock = threading.Lock()

    def up(self, name: str, run: str, instance: str = "") -> None:
        spec = self.specs.get(name)
        if spec is None:
            raise ConfigError(f"environment '{name}' is not declared; add it under environments:")
        with self._lock:
            if self.pruned is None:
                self.pruned = prune(self.provisioners)
        artifacts = service_logs(self.state_dir, run, name)
        pooled = spec.pool is not None and not self.keep
        taken = self.reuse.take(spec, run, artifacts) if pooled else None
        if taken is None:
            names = [p.PLUGIN_NAME for p in self.provisioners] if self.reaper else None
            owned = claim(self.state_dir, run, spec, names, instance)
            if pooled:
                self.reuse.enlist(owned, spec)
            try:
                taken = (self.provisioning.up(spec, owned.owner, artifacts), owned)
            except BaseException:
                owned.release()
                raise
        with self._lock:
            self.up_now[name] = taken

    def variables(self, app: Application) -> Mapping[str, str]:
        found = self.up_now.get(app.environment or "")
        if found is None:
            return {}
        variables = dict(application_variables(app.env, found[0].endpoints))
        if found[0].simulated:  # the tests may know what stands in (the reports do)
            variables[SIMULATED] = ",".join(sorted(found[0].simulated))
        return variables

    def services(self, name: str) -> Mapping[str, RunningService]:
        with self._lock:
            found = self.up_now.get(name)
        if found is None:
            return {}
        return found[0].running

    def replace(self, name: str, run: str) -> None:
        with self._lock:
            found = self.up_now.pop(name, None)
        if found is not None:
            up, owned = found
            try:
                self.provisioning.down(up)  # a dead environment goes, even with ``keep``
            finally:
                owned.release()
            died = up.artifacts.with_name(up.artifacts.name + ".died")
            if up.artifacts.is_dir() and not died.exists():
                up.artifacts.rename(died)
        self.up(name, run, instance="-replacement")

    def expectations(self, name: str) -> tuple[ExpectationCheck, ...]:
        with self._lock:
            found = self.up_now.get(name)
        return () if found is None else checks(found[0])

    def down(self, name: str) -> None:
        with self._lock:
            found = self.up_now.pop(name, None)
        if found is None:
            return
        up, owned = found
        try:
            if self.keep:
                owned.keep(up.endpoints)
            elif not self.reuse.give_back(up, owned.run):
                self.provisioning.down(up)
        finally:
            owned.release()

    def close(self) -> None:
        for name in list(self.up_now):
            self.down(name)
