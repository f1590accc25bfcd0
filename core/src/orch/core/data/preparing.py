"""A dataset made ready to load: its kinds checked, its rows generated and checked (every
reference resolves, every ``unique`` field is), its version recorded.

A pinned dataset (``version:``) is generated from the spec recorded with that version when the
workflow's spec has changed since, and refused when neither gives it: regenerating a pinned
version must reproduce it exactly, or say that it cannot.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from orch.core.data.generation import generate
from orch.core.data.integrity import check_integrity
from orch.core.data.validation import check_dataset
from orch.core.data.version import dataset_version
from orch.core.data.versions import Versions
from orch.ports.data import DatasetSpec, GeneratedData
from orch.ports.errors import ConfigError
from orch.ports.field_kinds import FieldKind

MAX_SHOWN = 20
"""The most problems of one dataset listed, then how many more."""


@frozen
class Prepared:
    """A dataset's spec (the one generated: a pinned version's own), rows and version."""

    spec: DatasetSpec
    data: GeneratedData

    @property
    def version(self) -> str:
        return self.data.version


def prepare(
    spec: DatasetSpec, kinds: Mapping[str, FieldKind], versions: Versions, where: str
) -> Prepared:
    """``spec`` generated, checked and recorded; ``where`` prefixes each problem's path
    (``orch.yaml: $.test_data.payments``); ``ConfigError`` lists every problem of the spec."""
    generated = _pinned(spec, kinds, versions, where) if spec.pinned else spec
    problems = check_dataset(generated, kinds, where)
    if problems:
        more = len(problems) - MAX_SHOWN
        shown = problems[:MAX_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
        raise ConfigError("\n".join(shown))
    data = generate(generated, kinds)
    check_integrity(data, generated)
    versions.record(generated, data.version, {table.entity: len(table) for table in data.tables})
    return Prepared(generated, data)


def _pinned(
    spec: DatasetSpec, kinds: Mapping[str, FieldKind], versions: Versions, where: str
) -> DatasetSpec:
    """The spec that makes ``spec.pinned``: the workflow's own if it still does, else the
    recorded one, if this orch's generators still make that version from it."""
    pinned = spec.pinned or ""
    if not check_dataset(spec, kinds, where) and dataset_version(spec, kinds).startswith(pinned):
        return spec
    recorded = versions.get(pinned)
    if recorded is None:
        raise ConfigError(
            f"{where}.version: version {pinned[:12]} is neither what the spec makes now nor "
            f"recorded in {versions.folder}; remove version: to take the spec's, or restore the "
            "spec that made it"
        )
    if check_dataset(recorded.spec, kinds, where) or (
        dataset_version(recorded.spec, kinds) != recorded.version
    ):
        raise ConfigError(
            f"{where}.version: version {pinned[:12]} cannot be reproduced: the field kinds it "
            "was made with have changed since (another orch or plugin version); pin the "
            "version this orch makes, shown by `orch data versions`"
        )
    return DatasetSpec(
        recorded.spec.name,
        recorded.spec.seed,
        recorded.spec.entities,
        locale=recorded.spec.locale,
        sink=spec.sink,
        pinned=pinned,
    )
