"""The meaning of the file's ``test_data`` block and of each application's ``test_data``:
every dataset read (``orch.core.shared.data_spec``: fields, counts, references, cycles, each at
its JSON path), each application naming one that exists, and a sink's templates
(``{ledger-db.url}``) naming services of the environment of every application that uses it.

Field kinds are checked where data is generated (``orch.core.data``): they come from plugins.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from orch.core.shared.data_spec import dataset_from
from orch.core.shared.documents import join_path, shown, split_problem
from orch.core.shared.spelling import unknown
from orch.core.shared.templates import Reference, parse
from orch.core.workflow.environments import template_problems
from orch.ports import Application, EnvironmentSpec
from orch.ports.data import DatasetSpec

Problems = list[tuple[str, Any]]


def read_datasets(written: Mapping[str, Any]) -> tuple[dict[str, DatasetSpec], Problems]:
    """Each dataset of the ``test_data`` block, and the problems of those that are wrong."""
    datasets: dict[str, DatasetSpec] = {}
    problems: Problems = []
    for name, given in written.items():
        spec, lines = dataset_from(str(name), given, join_path("$.test_data", str(name)))
        problems.extend(split_problem(line) for line in lines)
        if spec is not None:
            datasets[spec.name] = spec
    return datasets, problems


def data_use_problems(
    app: Application,
    where: str,
    datasets: Mapping[str, DatasetSpec],
    written: Mapping[str, Any],
    environments: Mapping[str, EnvironmentSpec],
) -> Problems:
    """``app.test_data`` names a dataset (``written``: every one the file has, read or not),
    whose sink's templates name services of ``app``'s environment."""
    if app.test_data is None:
        return []
    name = app.test_data.dataset
    if name not in written:
        return [(f"{where}.test_data", partial(unknown, "dataset", shown(name), list(written)))]
    spec = datasets.get(name)
    if spec is None or spec.sink is None:
        return []
    sink_where = join_path(join_path("$.test_data", name), "sink") + f".{spec.sink.kind}"
    environment = environments.get(app.environment)
    if environment is not None:
        return template_problems(spec.sink.options, sink_where, environment)
    return [
        (
            join_path(sink_where, key),
            f"'{value}' names a service, but application '{app.name}' that uses this dataset "
            "has no environment; give it one, or write the address out",
        )
        for key, value in spec.sink.options.items()
        if any(isinstance(piece, Reference) for piece in parse(value)[0])
    ]
