"""The process provisioner's fixtures: a fresh owner (its lock held, as a live orch holds it)
and an environment opened for it, closed at the end of the test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch.adapters.local.provisioning import ProcessEnvironment, ProcessProvisioner
from orch.ports import Owner
from orch.testing.provisioner_contracts import held


@pytest.fixture
def owner(tmp_path: Path) -> Owner:
    return held(Owner(f"local-{uuid.uuid4().hex[:8]}", "run-local", "env", "2" * 64, tmp_path))


@pytest.fixture
def opened(owner: Owner, tmp_path: Path) -> Iterator[ProcessEnvironment]:
    environment = ProcessProvisioner().open(owner, tmp_path, tmp_path / "artifacts")
    yield environment
    environment.close()
