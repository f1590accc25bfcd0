"""The plan's environment nodes: each environment is brought up on a thread of its own as soon
as the run starts (the shards of its applications wait for it), and taken down once the last
node waiting for it has finished, while the rest of the run goes on. While it is up, its
services are watched (``orch.core.run.watch``); one whose service died is replaced on a thread
of its own when the run asks (``replace``), and watched again once its replacement is up.
Just before it goes, its simulators' expectations are asked for, on the run's thread (a local
HTTP request each), and become results (``expectation_results``).

Bringing an environment up waits on services, not on a CPU: it takes no worker. The threads are
daemons: an orchestrator stopped mid-provisioning does not wait for them, and the environment's
reaper removes what they had started.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from attrs import define, field

from orch.core.run.environment_usage import UsageFile, usage_file
from orch.core.run.expectation_results import ExpectationResults
from orch.core.run.plan import ENVIRONMENT_PREFIX, Plan, environment_of
from orch.core.run.watch import Death, Watching
from orch.ports import ConfigError, Environments, NodeFinish, Outcome, PlanNode
from orch.ports.observer import RunObserver


@define
class _Setup:
    node: PlanNode
    began: float
    thread: threading.Thread | None = None
    problem: BaseException | None = None
    done: threading.Event = field(factory=threading.Event)


class EnvironmentNodes:
    """Runs the environment nodes of ``plan`` through ``environments``."""

    def __init__(
        self,
        plan: Plan,
        environments: Environments,
        observer: RunObserver,
        run_id: str,
        watching: Watching,
        expectations: ExpectationResults,
    ) -> None:
        self.plan = plan
        self.run_id = run_id
        self.environments = environments
        self.observer = observer
        self.watching = watching
        self.expectations = expectations
        self._setups: dict[str, _Setup] = {}
        self._replacing: dict[str, _Setup] = {}
        self._replaced: set[str] = set()
        self._waiting = {node_id: 0 for node_id in plan.environments}
        self._first_app: dict[str, str] = {}  # the application an environment's checks are of
        for node in plan.nodes:
            for dependency in node.depends_on:
                if dependency in self._waiting:
                    self._waiting[dependency] += 1
                    self._first_app.setdefault(dependency, node.app or "")
        self._downs: list[threading.Thread] = []

    def start(self) -> None:
        """Begin bringing every environment up."""
        for node in self.plan.environments.values():
            self.observer.node_start(node)
            self._setups[node.id] = self._begin(node, self.environments.up)

    def replace(self, node: PlanNode) -> None:
        """Begin replacing the environment of ``node`` (a service of it died)."""
        self._replaced.add(environment_of(node))
        self._replacing[node.id] = self._begin(node, self.environments.replace)

    @property
    def busy(self) -> bool:
        """Whether an environment is still being brought up (or replaced)."""
        return bool(self._setups or self._replacing)

    def deaths(self) -> list[tuple[PlanNode, Death]]:
        """The environments a service of which died since the last look."""
        return [
            (self.plan.environments[ENVIRONMENT_PREFIX + death.environment], death)
            for death in self.watching.deaths()
        ]

    def replaced(self) -> list[tuple[PlanNode, BaseException | None]]:
        """The replacements that ended since the last look, each with why it failed (None: it
        is up, and watched)."""
        ended = []
        for node_id, setup in list(self._replacing.items()):
            if setup.done.is_set():
                del self._replacing[node_id]
                if setup.problem is None:
                    self._watch(setup.node, "replaced")
                ended.append((setup.node, setup.problem))
        return ended

    def ended(self) -> list[tuple[PlanNode, NodeFinish, str]]:
        """The environment nodes that finished since the last look, with how and the failing
        service's last lines of output."""
        finished = []
        for node_id, setup in list(self._setups.items()):
            if not setup.done.is_set():
                continue
            del self._setups[node_id]
            seconds = time.monotonic() - setup.began
            if setup.problem is None:
                finish = NodeFinish(Outcome.PASSED, seconds=seconds)
                self._watch(setup.node, "up")
            else:
                finish = NodeFinish(Outcome.ERROR, _reason(setup), seconds)
            self.observer.node_finish(setup.node, finish)
            finished.append((setup.node, finish, str(getattr(setup.problem, "logs", ""))))
        return finished

    def node_done(self, node: PlanNode) -> None:
        """``node`` finished (or was blocked): an environment nothing waits for any more goes."""
        for dependency in node.depends_on:
            if dependency not in self._waiting:
                continue
            self._waiting[dependency] -= 1
            if not self._waiting[dependency]:
                name = environment_of(self.plan.environments[dependency])
                self.watching.stop(name)
                checks = self.environments.expectations(name)
                app = self._first_app[dependency]
                self.expectations.record(name, app, checks, name in self._replaced)
                self._in_background(name)

    def close(self) -> None:
        """The run is over: wait for the downs under way, then take down what is still up."""
        self.watching.close()
        for thread in self._downs:
            thread.join()
        self.environments.close()

    def _begin(self, node: PlanNode, action: Callable[[str, str], None]) -> _Setup:
        setup = _Setup(node, time.monotonic())
        setup.thread = threading.Thread(target=self._up, args=(setup, action), daemon=True)
        setup.thread.start()
        return setup

    def _watch(self, node: PlanNode, state: str) -> None:
        name = environment_of(node)
        self.watching.usage.mark(name, state)
        self.watching.watch(name, self.environments.services(name))

    def _up(self, setup: _Setup, action: Callable[[str, str], None]) -> None:
        try:
            action(environment_of(setup.node), self.run_id)
        except BaseException as problem:  # reported as the node's error, never lost
            setup.problem = problem
        finally:
            setup.done.set()

    def _in_background(self, name: str) -> None:
        thread = threading.Thread(target=self.environments.down, args=(name,), daemon=True)
        self._downs.append(thread)
        thread.start()


def environment_nodes(
    plan: Plan,
    environments: Environments | None,
    observer: RunObserver,
    run_id: str,
    state_dir: Path,
    expectations: ExpectationResults,
) -> EnvironmentNodes | None:
    """The environment nodes of ``plan`` (None when it has none); what their services use is
    written beside the run in ``state_dir``; ``expectations`` makes results of what their
    simulators were sent."""
    if not plan.environments:
        return None
    if environments is None:
        raise ConfigError("this run has environments but nothing to bring them up")
    watching = Watching(UsageFile(usage_file(state_dir, run_id)))
    return EnvironmentNodes(plan, environments, observer, run_id, watching, expectations)


def _reason(setup: _Setup) -> str:
    return f"environment '{environment_of(setup.node)}' could not start: {setup.problem}"
