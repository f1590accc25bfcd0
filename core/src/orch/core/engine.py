"""The Python API: ``Engine(workflow).execute()`` does what ``orch run`` does, without click;
``Engine(workflow).select()`` what ``orch select`` does.

The engine is a facade: it asks the version control for the run's change once (``RunChange``)
and hands it to the use cases, each in its own package: selection (``select.selection``), the
run (``run.session``), triage (``triage.analysis``) and the reports, which are plugins on the
lifecycle hooks (``report.relay`` calls them; ``report.DEFAULT_PLUGINS`` are the built-in ones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import evolve

from orch.core.bootstrap import Services, bootstrap
from orch.core.report.observed import ObserverPlugin
from orch.core.report.relay import HookRelay
from orch.core.run.phase_variants import with_variants
from orch.core.run.session import RunSession
from orch.core.run_change import RunChange, repository_heads, run_commit
from orch.core.select.changes import ChangeSet, relative_prefix
from orch.core.select.selection import Selector
from orch.core.shared.redaction import redactor_for
from orch.core.triage.analysis import TRIAGED, TriageStore, outcomes_at, triage
from orch.core.workflow.model import Workflow
from orch.core.workflow.test_workflow import AnyWorkflow, as_workflow
from orch.ports import (
    ConfigError,
    EnvironmentSpec,
    MissingHistory,
    NotARepository,
    Outcome,
    RunSpec,
    StoreProblem,
    TestResult,
)
from orch.ports.conditions import SqlCondition, SqlProbe
from orch.ports.data import DatasetSpec, DataSink, DataUse
from orch.ports.observer import RunObserver
from orch.ports.run import RunResult, TriageReport
from orch.ports.selection import Selection

if TYPE_CHECKING:
    from orch.core.data.run_data import RunData
    from orch.core.environment.session import EnvironmentSession


class Engine:
    """Runs a workflow with the installed adapters, or with the ones given (e.g. fakes).

    ``Engine(workflow).execute()``, or ``Engine().execute(workflow, environment, test_data)``:
    the environment and dataset given are added to the workflow's (by name)."""

    def __init__(self, workflow: AnyWorkflow | None = None, services: Services | None = None):
        self._workflow = None if workflow is None else as_workflow(workflow)
        self._services = services
        self._selected: tuple[Selection, RunChange] | None = None

    @property
    def workflow(self) -> Workflow:
        if self._workflow is None:
            raise ConfigError("Engine() was given no workflow: pass it to execute(workflow, ...)")
        return self._workflow

    @property
    def services(self) -> Services:
        """The adapters of the workflow's project, bootstrapped when first asked for."""
        if self._services is None:
            self._services = bootstrap(self.workflow.root)
        return self._services

    def select(
        self,
        base: str | None = None,
        head: str | None = None,
        apps: Sequence[str] = (),
        strict: bool = False,
    ) -> Selection:
        """The tests the change from ``base`` to ``head`` (default: the working tree) can break.

        Without version control, or when the base is missing from a shallow clone, everything
        is selected and each application says why: selecting too much is safe, too little not.
        ``strict`` makes a changed file that no application claims a ConfigError (for CI).
        """
        for name in apps:
            self.workflow.app(name)
        selector = self._selector()
        change = RunChange(self.workflow, self.services.vcs, claims=selector.claims)
        if self.services.vcs is None:
            return selector.everything("no version-control adapter is installed", apps)
        try:
            changes = change.between(base, head)
        except (NotARepository, MissingHistory) as problem:
            return selector.everything(f"{problem}; selected every test", apps)
        if strict:
            refuse_outside(changes)
        selection = selector.select(changes, apps)
        self._selected = (selection, change)  # its run asks nothing of git again
        return selection

    def execute(
        self,
        workflow: AnyWorkflow | None = None,
        environment: object = None,
        test_data: object = None,
        *,
        resume: str | None = None,
        observer: RunObserver | None = None,
        junit_xml: Path | None = None,
        json_report: Path | None = None,
        spec: RunSpec | None = None,
        selection: Selection | None = None,
        record_coverage: bool = False,
        keep_raw_output: bool = False,
        plugins: Iterable[object] = (),
        keep_env: bool = False,
    ) -> RunResult:
        """Run the workflow (or resume run ``resume``) and write the requested reports.

        ``spec`` is kept with the run (the options ``orch run --resume`` starts it with again);
        ``selection`` runs only the selected tests, highest risk first; ``record_coverage``
        records which lines each test runs, for coverage-based selection later;
        ``keep_raw_output`` keeps the shards' unredacted output files in ``.orch/runs/RUN/``;
        ``observer`` hears the run as it goes; ``plugins`` are more hook implementations
        (``@hookimpl`` methods of ``orch.ports.hooks``) for this run only, next to those the
        ``orch`` entry points installed. The environments the applications name are brought
        up for the run (its environment nodes) and removed at its end, unless ``keep_env``;
        the datasets they read are generated and loaded for it, each shard on its own copy.
        ``workflow``, ``environment`` (an ``Environment``) and ``test_data`` (a ``TestData``)
        are the seed-style call: the workflow run, with that environment and dataset.
        """
        if workflow is not None:
            self._workflow = with_parts(as_workflow(workflow), environment, test_data)
        reports = {"junit-xml": junit_xml, "json": json_report}
        own: list[object] = [ObserverPlugin(observer)] if observer is not None else []
        own += plugins
        registry = self.services.registry
        for plugin in own:
            registry.register(plugin)
        try:
            relay = HookRelay(registry.hook)
            change = self._change_of(selection)
            stale = change.uncommitted() if record_coverage else None
            session = session_for(
                self.workflow,
                self.services,
                relay,
                spec,
                selection,
                stale,
                keep_raw_output,
                keep_env,
            )
            apps = [app.name for app in self.workflow.applications]
            commit = session.commit
            before = outcomes_at(self.services.store, apps, commit) if commit else {}
            relay.run_start(self.workflow.root, self.workflow.applications, commit, resume)
            result = session.execute(resume=resume)
            failing = any(r.outcome in TRIAGED for r in result.results)
            base = (selection.base if selection else "") or "HEAD"
            changed = change.changed_files(base) if failing else []
            result = triaged(self.workflow, self.services.store, result, commit, before, changed)
            asked = {name: path for name, path in reports.items() if path is not None}
            return relay.run_finish(result, asked)
        finally:
            for plugin in own:
                registry.unregister(plugin)

    def triage_run(self, run_id: str) -> TriageReport:
        """Triage a recorded run again (``orch triage --run``): its history is not counted twice."""
        record = self.services.store.get_run(run_id)
        if record is None:
            raise ConfigError(f"no run '{run_id}' recorded")
        # a run recorded before orch redacted its results
        redact = redactor_for(self.workflow.applications, self.workflow.environments).result
        results = [redact(result) for result in self.services.store.final_results(run_id)]
        return triage_of(self.workflow, results, run_id, record.commit, store=self.services.store)

    def _selector(self) -> Selector:
        registry = self.services.registry
        return Selector(
            self.workflow,
            vcs=self.services.vcs,
            store=self.services.store,
            runners=dict(self.services.runners),
            state_dir=self.services.state_dir,
            impacts=[registry.get("impact", name)() for name in registry.names("impact")],
        )

    def _change_of(self, selection: Selection | None) -> RunChange:
        """The change of the run of ``selection``: the one ``select`` asked git for when it
        made that selection, else a new one, asked only when the run needs it."""
        if selection is not None and self._selected and self._selected[0] is selection:
            return self._selected[1]
        return RunChange(self.workflow, self.services.vcs, claims=lambda: self._selector().claims())


def session_for(
    workflow: Workflow,
    services: Services,
    observer: RunObserver,
    spec: RunSpec | None,
    selection: Selection | None,
    coverage_stale: dict[str, tuple[str, ...]] | None,
    keep_raw_output: bool,
    keep_env: bool = False,
) -> RunSession:
    """The run use case for ``workflow``, told to ``observer``, recorded under the commit of
    its repositories, with its environments and test data."""
    app_commits = repository_heads(workflow, services.vcs)
    return RunSession(
        workflow,
        runners=services.runners,
        executor=services.executor,
        store=services.store,
        state_dir=services.state_dir,
        observer=observer,
        commit=run_commit(app_commits),
        spec=spec,
        selection=selection,
        coverage_stale=coverage_stale,
        app_commits=app_commits,
        keep_raw_output=keep_raw_output,
        environments=environments_for(workflow, services, keep_env),
        data=data_for(workflow, services),
        sql_probe=sql_probe_for(workflow, services),
    )


def sql_probe_for(workflow: Workflow, services: Services) -> SqlProbe | None:
    """What runs the queries of the flows' ``sql`` waits: the ``postgres`` probe, loaded only
    when a step waits for one (none installed: such a wait says so when it starts)."""
    waits = (c for f in workflow.cross_app_tests for s in f.steps for c in s.wait_for)
    if not any(isinstance(c, SqlCondition) for c in waits):
        return None
    registry = services.registry
    probes = registry.sql_probes
    return (
        probes.build("postgres", services.state_dir) if registry.has("probe", "postgres") else None
    )


def with_parts(workflow: Workflow, environment: Any, test_data: Any) -> Workflow:
    """``workflow`` run in ``environment`` with ``test_data`` (builders or specs): each is
    added to the workflow's (unless it has one of that name), and every application that
    names none gets it."""
    apps = list(workflow.applications)
    environments, datasets = list(workflow.environments), list(workflow.test_data)
    if environment is not None:
        spec = environment if isinstance(environment, EnvironmentSpec) else environment.spec
        if spec.name not in {e.name for e in environments}:
            environments.append(spec)
        apps = [app if app.environment else evolve(app, environment=spec.name) for app in apps]
    if test_data is not None:
        dataset = test_data if isinstance(test_data, DatasetSpec) else test_data.spec()
        if dataset.name not in {d.name for d in datasets}:
            datasets.append(dataset)
        apps = [
            app if app.test_data else evolve(app, test_data=DataUse(dataset.name)) for app in apps
        ]
    return evolve(
        workflow,
        applications=tuple(apps),
        environments=tuple(environments),
        test_data=tuple(datasets),
    )


def environments_for(
    workflow: Workflow, services: Services, keep: bool
) -> EnvironmentSession | None:
    """What brings up the environments the applications name, or a matrix phase runs them in
    (None when they name none)."""
    apps = with_variants(workflow).applications
    used = {app.environment for app in apps if app.environment}
    if not used:
        return None
    from orch.core.environment.session import EnvironmentSession  # only runs with environments

    specs = {spec.name: spec for spec in workflow.environments if spec.name in used}
    return EnvironmentSession(
        specs, services.provisioners, state_dir=services.state_dir, root=workflow.root, keep=keep
    )


def data_for(workflow: Workflow, services: Services) -> Callable[[str], RunData] | None:
    """What loads the run's test data, given its id: every dataset an application reads is
    generated and checked now, before anything starts (None when none reads any)."""
    used = sorted({app.test_data.dataset for app in workflow.applications if app.test_data})
    if not used:
        return None
    from orch.core.data.run_data import RunData  # only runs with test data
    from orch.core.data_commands import data_prepare

    prepared = {name: data_prepare(workflow, services, name) for name in used}
    sinks: dict[str, DataSink] = {}

    def sink(kind: str) -> DataSink:
        if kind not in sinks:
            sinks[kind] = services.registry.sinks.build(kind, services.state_dir)
        return sinks[kind]

    apps = list(with_variants(workflow).applications)  # a matrix's variants read them too
    workers = workflow.execution.workers
    state, root = services.state_dir, workflow.root
    return lambda run_id: RunData(apps, prepared, sink, run_id, workers, state, root)


def refuse_outside(changes: ChangeSet) -> None:
    """``--strict``: a changed file that no application claims is a ConfigError (for CI)."""
    if changes.outside:
        shown = ", ".join(changes.outside[:5]) + (", ..." if len(changes.outside) > 5 else "")
        raise ConfigError(
            f"--strict: {len(changes.outside)} changed file(s) in no application ({shown}); "
            "add their folder to an application's path or pytest pythonpath, "
            "or run without --strict"
        )


def triaged(
    workflow: Workflow,
    store: TriageStore,
    result: RunResult,
    commit: str,
    before: dict[tuple[str, str], Outcome],
    changed: Sequence[tuple[str, str]],
) -> RunResult:
    """``result`` with its triage; a store that breaks now loses the run, not its reports."""
    try:
        kept = None if result.unstored else store
        report = triage_of(workflow, result.results, result.run_id, commit, before, changed, kept)
    except StoreProblem as problem:  # the store broke after the run's last write
        result = result.not_stored(str(problem))
        report = triage_of(workflow, result.results, result.run_id, commit, before, changed, None)
    return evolve(result, triage=report)


def triage_of(
    workflow: Workflow,
    results: Sequence[TestResult],
    run_id: str,
    commit: str,
    before: dict[tuple[str, str], Outcome] | None = None,
    changed: Sequence[tuple[str, str]] = (),
    store: TriageStore | None = None,
) -> TriageReport:
    """Triage a run's failures: categories, root causes, history, suggestions, owners.

    ``before`` are the outcomes of the previous run of this commit, so a test that passed
    there makes its failure a regression; ``changed`` the run's change (for "likely caused by
    your change"); ``store`` gives the failures' history and keeps them (none: a store that
    failed).
    """
    return triage(
        results,
        workflow.triage,
        store=store,
        run_id=run_id,
        commit=commit,
        before=before,
        changed=changed,
        owner_paths={
            app.name: relative_prefix(app.path, workflow.root)
            for app in with_variants(workflow).applications  # a matrix's results are theirs
        },
    )
