"""The Docker provisioner and the locally built images its tests run (built once per machine)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import docker_images
import pytest

from orch.adapters.docker.environment import DockerEnvironment
from orch.adapters.docker.provisioner import DockerProvisioner
from orch.ports import Owner
from orch.testing.provisioner_contracts import held


@pytest.fixture(scope="session")
def provisioner() -> DockerProvisioner:
    provisioner = DockerProvisioner()
    problem = provisioner.unavailable()
    assert problem is None, f"the Docker tests need an engine (.ci/run starts one): {problem}"
    return provisioner


@pytest.fixture(scope="session")
def busybox(provisioner: DockerProvisioner) -> str:
    return docker_images.busybox_image(provisioner.client)


@pytest.fixture(scope="session")
def postgres_image(provisioner: DockerProvisioner) -> str:
    return docker_images.postgres_image(provisioner.client)


@pytest.fixture
def environment(provisioner: DockerProvisioner, tmp_path: Path) -> Iterator[DockerEnvironment]:
    """An opened environment of a fresh owner, removed at the end of the test."""
    name = "docker-" + uuid.uuid4().hex[:8]
    owner = held(Owner(name, f"run-{name}", "docker", "2" * 64, tmp_path))
    opened = provisioner.open(owner, tmp_path, tmp_path / "artifacts")
    try:
        yield opened
    finally:
        opened.close()
        provisioner.remove(owner.id)
