"""The workflow: which applications to test and how to execute them.

The same ``Workflow`` comes from ``orch.yaml`` (see ``orch.core.workflow.loading``), from ``orch run
DIR`` with no file (one pytest application), or from Python code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, TypeVar

from attrs import evolve, field, frozen

from orch.core.shared.spelling import unknown
from orch.core.workflow.codeowners import load_codeowners
from orch.ports import Application, ConfigError, EnvironmentSpec, Execution
from orch.ports.data import DatasetSpec
from orch.ports.flows import FlowSpec
from orch.ports.phases import PhaseSpec
from orch.ports.triage import Routing, TriageSettings

WORKFLOW_FILES = ("orch.yaml", "orch.yml", "orch.json")


class Specified(Protocol):
    """What makes an ``EnvironmentSpec``: the Python ``Environment`` builder."""

    @property
    def spec(self) -> EnvironmentSpec: ...


Named = TypeVar("Named", EnvironmentSpec, DatasetSpec)


class Generators(Protocol):
    """What makes a ``DatasetSpec``: the Python ``TestData`` builder."""

    def spec(self) -> DatasetSpec: ...


def _datasets(datasets: Iterable[DatasetSpec | Generators]) -> tuple[DatasetSpec, ...]:
    """The datasets as specs: a Python ``TestData`` gives its own."""
    return tuple(d if isinstance(d, DatasetSpec) else d.spec() for d in datasets)


def _flows(flows: Iterable[FlowSpec]) -> tuple[FlowSpec, ...]:
    return tuple(flows)


def _phases(phases: Iterable[PhaseSpec]) -> tuple[PhaseSpec, ...]:
    return tuple(phases)


def _specs(environments: Iterable[EnvironmentSpec | Specified]) -> tuple[EnvironmentSpec, ...]:
    """The environments as specs: a Python ``Environment`` gives its own."""
    return tuple(e if isinstance(e, EnvironmentSpec) else e.spec for e in environments)


@frozen
class Workflow:
    """Applications plus execution settings; relative paths and ``.orch/`` live under ``root``;
    ``environments`` are the ones applications may name (``Application.environment``),
    ``test_data`` the datasets (``Application.test_data``), ``cross_app_tests`` the flows
    across applications (``orch.ports.flows``), ``phases`` the stages a run goes through, each
    ending at its quality gate (``orch.ports.phases``; none: the run is one stage)."""

    applications: tuple[Application, ...]
    execution: Execution = Execution()
    root: Path = field(factory=Path.cwd)
    source: str = ""
    triage: TriageSettings = field(factory=TriageSettings)
    environments: tuple[EnvironmentSpec, ...] = field(default=(), converter=_specs)
    test_data: tuple[DatasetSpec, ...] = field(default=(), converter=_datasets)
    cross_app_tests: tuple[FlowSpec, ...] = field(default=(), converter=_flows)
    phases: tuple[PhaseSpec, ...] = field(default=(), converter=_phases)

    def __attrs_post_init__(self) -> None:
        counts = Counter(app.name for app in self.applications)  # not list.count: 20,000 apps
        duplicates = sorted(name for name, count in counts.items() if count > 1)
        if duplicates:
            raise ConfigError(f"application names must be unique: {', '.join(duplicates)}")
        for kind, items in (
            ("environment", self.environments),
            ("dataset", self.test_data),
            ("cross-app test", self.cross_app_tests),
            ("phase", self.phases),
        ):
            names = [item.name for item in items]
            if len(set(names)) != len(names):
                raise ConfigError(f"{kind} names must be unique: {', '.join(sorted(names))}")
        apps = {app.name for app in self.applications}
        for flow in self.cross_app_tests:
            for step in flow.steps:
                if step.app not in apps:
                    self.app(step.app)  # raises, with the closest name
        for app in self.applications:
            if app.environment:
                self.environment(app.environment, f"application '{app.name}'")
            if app.test_data:
                self.dataset(app.test_data.dataset, f"application '{app.name}'")

    def environment(self, name: str, asked: str = "") -> EnvironmentSpec:
        """The environment called ``name``; a misspelled name suggests the closest."""
        return self._named(self.environments, "environment", name, asked)

    def dataset(self, name: str, asked: str = "") -> DatasetSpec:
        """The dataset called ``name``; a misspelled name suggests the closest."""
        return self._named(self.test_data, "dataset", name, asked)

    def _named(self, items: tuple[Named, ...], kind: str, name: str, asked: str) -> Named:
        for item in items:
            if item.name == name:
                return item
        where = f"{self.source or 'the workflow'}: {asked + ': ' if asked else ''}"
        raise ConfigError(where + unknown(kind, name, [item.name for item in items]))

    def app(self, name: str) -> Application:
        """The application called ``name``; a misspelled name suggests the closest."""
        for application in self.applications:
            if application.name == name:
                return application
        names = [application.name for application in self.applications]
        raise ConfigError(f"{self.source or 'the workflow'}: {unknown('application', name, names)}")

    def only(self, names: tuple[str, ...] | list[str]) -> Workflow:
        """The workflow narrowed to the applications ``names`` (all of them when empty), and to
        the flows whose steps are all theirs."""
        if not names:
            return self
        for name in names:
            self.app(name)
        return evolve(
            self,
            applications=tuple(a for a in self.applications if a.name in names),
            cross_app_tests=tuple(
                flow
                for flow in self.cross_app_tests
                if all(step.app in names for step in flow.steps)
            ),
        )

    def with_overrides(
        self,
        workers: int | None = None,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> Workflow:
        """The workflow with command-line options taking precedence over the file."""
        if workers is None and timeout is None and retries is None:
            return self
        execution = self.execution
        execution = execution if workers is None else evolve(execution, workers=workers)
        execution = execution if timeout is None else evolve(execution, timeout=timeout)
        execution = execution if retries is None else evolve(execution, retries=retries)
        # a command-line --timeout/--retries wins over per-application values too
        apps = tuple(
            evolve(
                app,
                timeout=app.timeout if timeout is None else timeout,
                retries=app.retries if retries is None else retries,
            )
            for app in self.applications
        )
        return evolve(self, applications=apps, execution=execution)


def pytest_directory(directory: Path) -> Workflow:
    """The workflow of ``orch run DIR`` without a workflow file: DIR is one pytest application."""
    directory = directory.resolve()
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory")
    app = Application(name=directory.name or "app", path=directory, runner="pytest")
    routing = Routing(owners=tuple(load_codeowners(directory)))
    return Workflow(applications=(app,), root=directory, triage=TriageSettings(routing=routing))


def find_workflow_file(directory: Path) -> Path | None:
    """The workflow file in ``directory``, if it has one."""
    for name in WORKFLOW_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None
