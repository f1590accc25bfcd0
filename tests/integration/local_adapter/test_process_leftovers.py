"""What the process provisioner leaves when orch dies, and how any later orch removes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orch.adapters.local import processes, service_dirs
from orch.adapters.local.provisioning import ProcessEnvironment, ProcessProvisioner
from orch.ports import Owner, ProvisionError, ServiceSpec, Usage
from orch.testing.provisioner_contracts import eventually

# A service whose child leaves the session with setsid, each writing its pid to a file.
FAMILY = (
    "import os, subprocess, sys, time\n"
    "open('leader', 'w').write(str(os.getpid()))\n"
    "code = \"import os, time; os.setsid(); open('child', 'w').write(str(os.getpid())); "
    'time.sleep(300)"\n'
    "subprocess.Popen([sys.executable, '-c', code])\n"
    "time.sleep(300)\n"
)


def family(name: str = "family") -> ServiceSpec:
    return ServiceSpec(name, "process", command=(sys.executable, "-c", FAMILY))


def pids_in(directory: Path) -> list[int]:
    return [int((directory / name).read_text()) for name in ("leader", "child")]


def test_a_service_outlives_its_killed_orch_and_remove_ends_it_and_its_children(
    owner: Owner, tmp_path: Path
) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from orch.adapters.local.provisioning import ProcessProvisioner
        from orch.ports import ServiceSpec, owner_from_labels
        owner = owner_from_labels({json.dumps(owner.labels)})
        opened = ProcessProvisioner().open(owner, Path("."), Path("artifacts"))
        command = (sys.executable, "-c", {FAMILY!r})
        service = opened.start(ServiceSpec("family", "process", command=command), {{}})
        print(service.directory, flush=True)
        time.sleep(300)
    """)
    orch = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert orch.stdout is not None
    directory = Path(orch.stdout.readline().strip())
    eventually(lambda: (directory / "child").exists() and (directory / "leader").exists())
    orch.send_signal(signal.SIGKILL)
    orch.wait()
    orch.stdout.close()
    leader, child = pids_in(directory)
    assert processes.alive(leader) and processes.alive(child)
    assert owner in ProcessProvisioner().owners()
    removed = ProcessProvisioner().remove(owner.id)
    assert f"directory {directory}" in removed
    assert not processes.alive(leader) and not processes.alive(child)
    assert not directory.exists()
    assert not list(Path(directory.parent).glob(f"orch-env-{owner.id}-*"))
    assert ProcessProvisioner().remove(owner.id) == []


def test_a_leftover_directory_alone_names_its_owner(owner: Owner) -> None:
    directory = service_dirs.create(owner, "gone")
    assert owner in ProcessProvisioner().owners()
    assert ProcessProvisioner().remove(owner.id) == [f"directory {directory}"]
    assert owner not in ProcessProvisioner().owners()


def test_a_live_process_whose_directory_went_still_names_its_owner(
    opened: ProcessEnvironment, owner: Owner
) -> None:
    service = opened.start(family(), {})
    eventually(lambda: (service.directory / "child").exists())
    leader, child = pids_in(service.directory)
    service_dirs.remove(service.directory)
    assert ProcessProvisioner().owners().count(owner) == 1
    removed = ProcessProvisioner().remove(owner.id)
    assert len(removed) == 2
    assert not processes.alive(child) and service.ended() == "killed by signal 15"


def test_a_directory_without_a_readable_owner_is_not_taken_for_ours(tmp_path: Path) -> None:
    stray = Path(service_dirs.create(Owner("x", "r", "e", "s", tmp_path), "svc"))
    try:
        (stray / service_dirs.OWNER_FILE).write_text("[1, 2]")
        assert stray not in [directory for directory, _ in service_dirs.owned()]
        (stray / service_dirs.OWNER_FILE).write_text("{not json")
        assert stray not in [directory for directory, _ in service_dirs.owned()]
    finally:
        service_dirs.remove(stray)


def test_usage_counts_the_services_children(opened: ProcessEnvironment) -> None:
    service = opened.start(family(), {})
    eventually(lambda: (service.directory / "child").exists())
    alone = processes.usage([service.leader.pid])
    assert service.usage().memory > alone.memory > 0


def test_usage_is_the_processes_cpu_time_and_resident_memory(opened: ProcessEnvironment) -> None:
    """A service holding 40 MB and spinning: its /proc numbers, now and at the peak."""
    code = "block = bytearray(40_000_000)\nblock[::4096] = b'x' * len(block[::4096])\nwhile 1: pass"
    service = opened.start(ServiceSpec("busy", "process", command=(sys.executable, "-c", code)), {})
    used = eventually(lambda: (u := service.usage()).cpu_seconds > 0.5 and u, seconds=30)
    assert isinstance(used, Usage)
    assert used.memory > 40_000_000
    assert used.peak_memory >= used.memory


def test_a_command_that_is_not_found_is_named_and_leaves_nothing(
    opened: ProcessEnvironment, owner: Owner
) -> None:
    missing = ServiceSpec("ghost", "process", command=("no-such-command-here",))
    with pytest.raises(
        ProvisionError, match="service 'ghost': cannot start 'no-such-command-here'"
    ):
        opened.start(missing, {})
    assert owner not in ProcessProvisioner().owners()


def test_a_service_without_a_command_or_of_another_type_is_refused(
    opened: ProcessEnvironment,
) -> None:
    with pytest.raises(ProvisionError, match="has no command"):
        opened.start(ServiceSpec("bare", "process"), {})
    with pytest.raises(ProvisionError, match="is of type docker"):
        opened.start(ServiceSpec("box", "docker", image="busybox"), {})


def test_the_service_env_has_its_ports_and_tag(opened: ProcessEnvironment) -> None:
    from orch.ports import PortMapping

    spec = ServiceSpec(
        "env",
        "process",
        command=(sys.executable, "-c", "import time; time.sleep(300)"),
        ports=(PortMapping(80), PortMapping(443)),
    )
    service = opened.start(spec, {"MINE": "yes"})
    assert service.env["MINE"] == "yes"
    assert service.env["ORCH_PORT"] == str(service.ports[80])
    assert service.env["ORCH_PORT_443"] == str(service.ports[443])
    assert service.env["ORCH_TAG"] == f"env/{opened.owner.id}/env"
    assert service.run(["no-such-command-here"], timeout=5) == 127
    assert not service.listening(9)
    assert service.logs(tail=3) == ""


def test_a_process_tagged_without_labels_names_no_owner_but_is_removed(owner: Owner) -> None:
    env = {"PATH": os.environ["PATH"], "ORCH_TAG": f"env/{owner.id}/bare"}
    bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], env=env)
    try:
        eventually(lambda: processes.variable_of(bare.pid, "ORCH_TAG"))
        assert owner.id not in [found.id for found in ProcessProvisioner().owners()]
        assert ProcessProvisioner().remove(owner.id) == [
            f"process {bare.pid} (env/{owner.id}/bare)"
        ]
        assert bare.wait(timeout=5) == -signal.SIGTERM
    finally:
        bare.kill()
        bare.wait()
