"""What the Docker provisioner does beyond the contract: images built or missing, volumes, limits,
the network an environment's services share, a server not yet listening behind its published
port, an out-of-memory kill, and no engine at all."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from docker_images import SERVE

from orch.adapters.docker.environment import DockerEnvironment
from orch.adapters.docker.provisioner import DockerProvisioner
from orch.adapters.docker.service import ContainerService
from orch.ports import Owner, PortMapping, ProvisionError, Resources, ServiceSpec, Usage, Volume
from orch.testing.provisioner_contracts import eventually, held


def _container(service: object) -> ContainerService:
    assert isinstance(service, ContainerService)
    return service


def test_a_build_context_is_built_and_tagged_by_its_content(
    environment: DockerEnvironment, busybox: str, tmp_path: Path
) -> None:
    context = tmp_path / "app"
    context.mkdir()
    (context / "Dockerfile").write_text(f'FROM {busybox}\nCMD ["sh", "-c", "echo built"]\n')
    service = _container(environment.start(ServiceSpec("app", "docker", build=Path("app")), {}))
    assert eventually(lambda: "built" in service.logs())
    tags = service.container.image.tags
    assert tags and tags[0].startswith("orch-build/app:")


def test_a_failing_build_is_a_provision_error_with_the_build_log(
    environment: DockerEnvironment, busybox: str, tmp_path: Path
) -> None:
    context = tmp_path / "broken"
    context.mkdir()
    marker = uuid.uuid4().hex
    (context / "Dockerfile").write_text(f"FROM {busybox}\nRUN echo {marker} && exit 3\n")
    with pytest.raises(ProvisionError, match="building .*broken failed") as error:
        environment.start(ServiceSpec("broken", "docker", build=Path("broken")), {})
    assert error.value.service == "broken"
    assert marker in error.value.logs


@pytest.mark.parametrize("made", [False, True], ids=["no-directory", "no-dockerfile"])
def test_a_build_context_without_a_dockerfile_is_a_provision_error(
    environment: DockerEnvironment, tmp_path: Path, made: bool
) -> None:
    if made:
        (tmp_path / "empty").mkdir()
    with pytest.raises(ProvisionError, match="empty"):
        environment.start(ServiceSpec("app", "docker", build=Path("empty")), {})


def test_a_missing_image_that_cannot_be_pulled_is_a_provision_error(
    environment: DockerEnvironment,
) -> None:
    image = f"orch-test/absent-{uuid.uuid4().hex[:8]}:1"
    with pytest.raises(ProvisionError, match="could not be pulled") as error:
        environment.start(ServiceSpec("app", "docker", image=image), {})
    assert f"image {image} is not on this machine" in str(error.value)
    assert "build it locally or name an image that is" in str(error.value)


def test_a_service_name_started_twice_is_a_provision_error(
    environment: DockerEnvironment, busybox: str
) -> None:
    sleeper = ServiceSpec("twice", "docker", image=busybox, command=("sleep", "30"))
    environment.start(sleeper, {})
    with pytest.raises(ProvisionError, match="did not start"):
        environment.start(sleeper, {})


def test_bind_mounts_and_named_volumes_and_the_named_ones_go_with_the_owner(
    provisioner: DockerProvisioner, environment: DockerEnvironment, busybox: str, tmp_path: Path
) -> None:
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "seed.txt").write_text("seeded\n")
    volumes = (Volume("fixtures", "/fixtures", read_only=True), Volume("cache", "/cache"))
    command = ("sh", "-c", "echo kept >/cache/note; exec sleep 60")
    writer = ServiceSpec("writer", "docker", image=busybox, command=command, volumes=volumes)
    service = environment.start(writer, {})
    assert service.run(["grep", "-q", "seeded", "/fixtures/seed.txt"], timeout=20) == 0
    assert service.run(["sh", "-c", "echo x >/fixtures/new"], timeout=20) != 0
    sleeper = ("sleep", "60")
    reader = ServiceSpec("reader", "docker", image=busybox, command=sleeper, volumes=volumes[1:])
    other = environment.start(reader, {})
    assert eventually(lambda: other.run(["grep", "-q", "kept", "/cache/note"], timeout=20) == 0)
    name = f"orch-{environment.owner.id}-cache"
    assert provisioner.client.volumes.list(filters={"name": name})
    removed = provisioner.remove(environment.owner.id)
    assert f"removed volume {name}" in removed
    assert f"removed network orch-{environment.owner.id}" in removed
    assert not provisioner.client.volumes.list(filters={"name": name})


def test_a_bind_mount_of_a_missing_directory_is_a_provision_error(
    environment: DockerEnvironment, busybox: str
) -> None:
    volumes = (Volume("./absent", "/data"),)
    spec = ServiceSpec("app", "docker", image=busybox, command=("sleep", "60"), volumes=volumes)
    with pytest.raises(ProvisionError, match=r"volume source .*absent does not exist"):
        environment.start(spec, {})


def test_resources_are_the_containers_limits(environment: DockerEnvironment, busybox: str) -> None:
    limits = Resources(cpus=0.5, memory=64 * 1024 * 1024)
    spec = ServiceSpec("small", "docker", image=busybox, command=("sleep", "60"), resources=limits)
    service = _container(environment.start(spec, {}))
    host_config = service.container.attrs["HostConfig"]
    assert host_config["NanoCpus"] == 500_000_000
    assert host_config["Memory"] == 64 * 1024 * 1024


def test_services_reach_each_other_by_name_on_the_owners_network(
    environment: DockerEnvironment, busybox: str
) -> None:
    web = ServiceSpec("web", "docker", image=busybox, command=("sh", "-c", SERVE))
    served = environment.start(web, {"GREETING": "peer"})
    eventually(lambda: served.listening(8080))
    client = environment.start(
        ServiceSpec("client", "docker", image=busybox, command=("sleep", "60")), {}
    )
    host, port = environment.peer_address(served, 8080)
    fetch = ["wget", "-q", "-O", "-", f"http://{host}:{port}/"]
    assert client.run(fetch, timeout=20) == 0


def test_not_listening_while_only_docker_proxy_accepts_on_the_published_port(
    environment: DockerEnvironment, busybox: str
) -> None:
    command = ("sh", "-c", "sleep 3; exec httpd -f -p 8080 -h /")
    late = ServiceSpec("late", "docker", image=busybox, command=command, ports=(PortMapping(8080),))
    service = environment.start(late, {})
    with socket.create_connection(("127.0.0.1", service.ports[8080]), timeout=2):
        pass
    assert not service.listening(8080)
    assert eventually(lambda: service.listening(8080))


def test_a_service_killed_for_memory_says_so(environment: DockerEnvironment, busybox: str) -> None:
    command = ("sh", "-c", "x=xxxxxxxx; while true; do x=$x$x; done")
    limits = Resources(memory=16 * 1024 * 1024)
    hungry = ServiceSpec("hungry", "docker", image=busybox, command=command, resources=limits)
    service = environment.start(hungry, {})
    assert "killed: out of memory" in str(eventually(service.ended, seconds=60))


def test_closing_after_the_owner_was_removed_keeps_no_log_and_raises_nothing(
    provisioner: DockerProvisioner, environment: DockerEnvironment, busybox: str
) -> None:
    environment.start(ServiceSpec("gone", "docker", image=busybox, command=("sleep", "60")), {})
    provisioner.remove(environment.owner.id)
    environment.close()
    assert environment.owner not in provisioner.owners()


def test_no_engine_is_one_line_naming_where_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    problem = DockerProvisioner().unavailable()
    assert problem is not None and "\n" not in problem
    assert problem.startswith(f"no Docker engine answers at unix://{tmp_path}/absent.sock (")
    assert problem.endswith("); start dockerd or set DOCKER_HOST")


def test_owners_lists_an_owner_whose_only_resource_is_its_network(
    provisioner: DockerProvisioner, tmp_path: Path
) -> None:
    owner = held(Owner("docker-net-" + uuid.uuid4().hex[:8], "run", "env", "3" * 64, tmp_path))
    provisioner.open(owner, tmp_path, tmp_path / "artifacts")
    try:
        assert owner in provisioner.owners()
    finally:
        assert provisioner.remove(owner.id) == [f"removed network orch-{owner.id}"]


def test_usage_is_the_containers_cpu_time_and_memory(
    environment: DockerEnvironment, busybox: str
) -> None:
    """A container holding ~20 MB in a shell variable and spinning: docker stats' numbers."""
    command = ("sh", "-c", "x=$(head -c 20000000 /dev/zero | tr '\\0' a); while :; do :; done")
    busy = ServiceSpec("busy", "docker", image=busybox, command=command)
    service = environment.start(busy, {})
    used = eventually(lambda: (u := service.usage()).cpu_seconds > 0.5 and u, seconds=30)
    assert isinstance(used, Usage)
    assert used.memory > 20_000_000
    assert used.peak_memory == 0 or used.peak_memory >= used.memory
