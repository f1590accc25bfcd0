"""``orch data``: test data outside a run. ``generate`` writes a dataset's rows as JSON Lines,
``load`` puts it where its sink says (templates resolved from an environment kept up by
``orch env up``) with one copy to work on, ``reset`` puts that copy back as loaded,
``versions`` lists what was generated and which runs used it, ``diff`` compares two versions
entity by entity, ``clean`` removes what loads and dead runs left at the sinks.

What ``load`` made is written to ``<state>/data/loads/<name>.json`` (mode 0600: addresses hold
passwords) so that ``reset`` and ``clean`` find it from another process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from attrs import asdict, frozen

from orch.core.bootstrap import Services
from orch.core.data.diffing import EntityDiff, diff_tables
from orch.core.data.jsonl import write_jsonl
from orch.core.data.kinds import available_kinds
from orch.core.data.owners import run_alive
from orch.core.data.preparing import Prepared, prepare
from orch.core.data.targets import sink_target
from orch.core.data.versions import Version, Versions
from orch.core.environment.pool_files import endpoints_of
from orch.core.environment.templating import resolve
from orch.core.environment_commands import env_status
from orch.core.shared.documents import join_path
from orch.core.workflow.model import Workflow
from orch.ports.data import DataCopy, DataSink, Loaded, SinkTarget
from orch.ports.errors import ConfigError, DataProblem

LOADS = "loads"


@frozen
class LoadState:
    """A dataset ``orch data load`` loaded: its version and the copy to use, at ``address``."""

    dataset: str
    version: str
    copy: DataCopy


def data_prepare(workflow: Workflow, services: Services, name: str) -> Prepared:
    """Dataset ``name`` of ``workflow`` generated and checked, its version recorded."""
    spec = workflow.dataset(name)
    where = join_path(f"{Path(workflow.source).name}: $.test_data", name)
    if not workflow.source:
        where = f"test data '{name}':"
    return prepare(spec, available_kinds(services.registry), Versions(services.state_dir), where)


def data_generate(
    workflow: Workflow, services: Services, name: str, out: Path
) -> tuple[Prepared, list[Path]]:
    """Write dataset ``name`` to ``out/ENTITY.jsonl``, one JSON object per row."""
    prepared = data_prepare(workflow, services, name)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in prepared.data.tables:
        path = out / f"{table.entity}.jsonl"
        write_jsonl(table, path)
        written.append(path)
    return prepared, written


def data_load(workflow: Workflow, services: Services, name: str) -> LoadState:
    """Load dataset ``name`` where its sink says, replacing an earlier ``orch data load`` of it,
    and make the copy to work on."""
    prepared = data_prepare(workflow, services, name)
    sink_spec = prepared.spec.sink
    if sink_spec is None:
        raise ConfigError(f"dataset '{name}' has no sink; give it one, e.g. sink: {{sqlite: ...}}")
    _forget(services, name)
    options = _resolved(workflow, services, name, sink_spec.options)
    sink = services.registry.sinks.build(sink_spec.kind, services.state_dir)
    where = f"test data '{name}'"
    target = sink_target(sink, sink_spec.kind, options, f"data-{name}", workflow.root, where)
    loaded = sink.load(prepared.data, target)
    try:
        copy = sink.copy(loaded, "main")
    except DataProblem:  # a sink that cannot copy: its loaded data is the one to use
        copy = DataCopy(loaded, "main", loaded.place, loaded.address)
    _write_load(services, name, copy)
    return LoadState(name, prepared.version, copy)


def data_reset(workflow: Workflow, services: Services, name: str) -> LoadState:
    """Put the copy ``orch data load NAME`` made back as it was loaded (a sink that cannot
    copy, such as an API, is loaded again)."""
    copy = _read_load(services, name)
    if copy is None:
        raise ConfigError(f"dataset '{name}' is not loaded; load it with `orch data load {name}`")
    if copy.place == copy.loaded.place:
        return data_load(workflow, services, name)
    sink = services.registry.sinks.build(copy.loaded.target.kind, services.state_dir)
    sink.reset(copy)
    return LoadState(name, copy.loaded.version, copy)


def data_versions(services: Services, name: str | None = None) -> list[Version]:
    """Every version recorded here (of dataset ``name``), oldest first."""
    return Versions(services.state_dir).all(name)


def data_diff(services: Services, first: str, second: str) -> list[EntityDiff]:
    """What changes from version ``first`` to ``second``, entity by entity: both regenerated
    from the specs recorded with them."""
    versions = Versions(services.state_dir)
    kinds = available_kinds(services.registry)
    tables = []
    for wanted in (first, second):
        found = versions.get(wanted)
        if found is None:
            raise ConfigError(
                f"no dataset version '{wanted}' is recorded; see `orch data versions`"
            )
        prepared = prepare(found.spec, kinds, versions, f"version {wanted}:")
        tables.append({table.entity: table for table in prepared.data.tables})
    return diff_tables(tables[0], tables[1])


def data_clean(workflow: Workflow, services: Services) -> list[str]:
    """Remove what ``orch data load`` and runs no longer alive left at the sinks of
    ``workflow``'s datasets; a line per place removed, or per sink that could not be asked."""
    lines = []
    for spec in workflow.test_data:
        if spec.sink is None:
            continue
        try:
            options = _resolved(workflow, services, spec.name, spec.sink.options)
        except ConfigError as problem:
            lines.append(f"skipped dataset '{spec.name}': {problem}")
            continue
        sink = services.registry.sinks.build(spec.sink.kind, services.state_dir)
        where = f"test data '{spec.name}'"
        target = sink_target(sink, spec.sink.kind, options, "", workflow.root, where)
        removed = sink.leftovers(target.options, partial(run_alive, services.state_dir))
        lines.extend(f"removed {place}" for place in removed)
        _forget(services, spec.name, sink)
    return lines


def _resolved(
    workflow: Workflow, services: Services, name: str, options: Mapping[str, str]
) -> dict[str, str]:
    """``options`` with their ``{service.field}`` templates resolved from the kept environment
    of the applications that read dataset ``name``."""
    if not any("{" in value for value in options.values()):
        return dict(options)
    environments = {
        app.environment
        for app in workflow.applications
        if app.test_data and app.test_data.dataset == name and app.environment
    }
    kept = [state for state in env_status(services) if state.state == "kept"]
    for state in kept:
        if state.owner.environment in environments:
            endpoints = endpoints_of({"endpoints": state.services})
            return {key: resolve(value, endpoints) for key, value in options.items()}
    shown = ", ".join(sorted(environments)) or "its applications' environment"
    raise ConfigError(
        f"dataset '{name}': its sink names services; bring {shown} up with `orch env up` first"
    )


def _load_file(services: Services, name: str) -> Path:
    return services.state_dir / "data" / LOADS / f"{name}.json"


def _write_load(services: Services, name: str, copy: DataCopy) -> None:
    path = _load_file(services, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(asdict(copy), indent=1), encoding="utf-8")


def _read_load(services: Services, name: str) -> DataCopy | None:
    path = _load_file(services, name)
    if not path.is_file():
        return None
    try:
        value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        loaded = value["loaded"]
        target = SinkTarget(**loaded.pop("target"))
        loaded["entities"] = tuple(loaded["entities"])
        return DataCopy(
            Loaded(target=target, **loaded), value["name"], value["place"], value["address"]
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{path}: not a load orch wrote ({error!r}); delete the file") from None


def _forget(services: Services, name: str, sink: DataSink | None = None) -> None:
    """Remove an earlier ``orch data load NAME`` (its copy and data) and its file."""
    copy = _read_load(services, name)
    if copy is None:
        return
    sink = sink or services.registry.sinks.build(copy.loaded.target.kind, services.state_dir)
    if copy.place != copy.loaded.place:
        sink.remove(copy)
    sink.remove(copy.loaded)
    _load_file(services, name).unlink(missing_ok=True)
