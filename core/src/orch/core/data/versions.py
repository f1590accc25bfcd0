"""The dataset versions this project has generated, in ``<state>/data/versions/<version>.json``:
each with the spec that made it (so a pinned version is regenerated from what made it, not
from the file as it is now), when it was first made, and the runs that used it and for which
applications: the audit trail of which data each test saw.

A version is written once, then only its ``runs`` grow; each file is replaced whole
(``os.replace``), so a killed orch leaves the old one or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from attrs import frozen

from orch.core.data.spec_json import spec_from_json, spec_json
from orch.ports.data import DatasetSpec
from orch.ports.errors import ConfigError


@frozen
class Version:
    """One recorded version of a dataset."""

    version: str
    dataset: str
    created: float
    spec: DatasetSpec
    rows: dict[str, int]
    runs: tuple[dict[str, Any], ...] = ()


class Versions:
    """The versions recorded under ``state_dir``."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir / "data" / "versions"

    def record(self, spec: DatasetSpec, version: str, rows: dict[str, int]) -> Version:
        """Record ``version`` of ``spec`` (kept as first recorded when it exists)."""
        known = self.get(version)
        if known is not None:
            return known
        made = Version(version, spec.name, time.time(), spec, rows)
        self._write(made)
        return made

    def used(self, version: str, run_id: str, apps: list[str]) -> None:
        """Run ``run_id`` gave ``version`` to the applications ``apps``."""
        known = self.get(version)
        if known is None:
            raise ConfigError(f"dataset version {version[:12]} is not recorded in {self.folder}")
        entry = {"run": run_id, "apps": sorted(apps), "at": time.time()}
        self._write(Version(**{**_fields(known), "runs": (*known.runs, entry)}))

    def get(self, version: str) -> Version | None:
        """The version whose id is ``version`` or starts with it (at least 6 characters);
        None when none is; a prefix that several share is a ConfigError naming them."""
        exact = self.folder / f"{version}.json"
        if exact.is_file():
            return self._read(exact)
        if len(version) < 6 or not self.folder.is_dir():
            return None
        matches = sorted(self.folder.glob(f"{version}*.json"))
        if len(matches) > 1:
            shown = ", ".join(path.stem[:12] for path in matches)
            raise ConfigError(f"version '{version}' could be any of {shown}; give more of it")
        return self._read(matches[0]) if matches else None

    def all(self, dataset: str | None = None) -> list[Version]:
        """Every version recorded (of ``dataset``), oldest first."""
        if not self.folder.is_dir():
            return []
        versions = [self._read(path) for path in self.folder.glob("*.json")]
        chosen = [v for v in versions if dataset is None or v.dataset == dataset]
        return sorted(chosen, key=lambda v: (v.created, v.version))

    def _read(self, path: Path) -> Version:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
            return Version(
                value["version"],
                value["dataset"],
                float(value["created"]),
                spec_from_json(value["spec"]),
                {str(k): int(v) for k, v in value["rows"].items()},
                tuple(value.get("runs", ())),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigError(
                f"{path}: not a dataset version orch wrote ({error!r}); delete the file"
            ) from None

    def _write(self, version: Version) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        value = {**_fields(version), "spec": spec_json(version.spec), "runs": list(version.runs)}
        path = self.folder / f"{version.version}.json"
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(value, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(partial, path)


def _fields(version: Version) -> dict[str, Any]:
    return {
        "version": version.version,
        "dataset": version.dataset,
        "created": version.created,
        "spec": version.spec,
        "rows": version.rows,
        "runs": version.runs,
    }
