"""``isolation: container`` on the real Docker engine: a pytest shard in a container of the
locally built empty image checks its properties from inside; kill, reap and a SIGKILLed
orchestrator leave no container behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from isolated_shards import outside, run_shard, write_app

from orch.adapters.local import LocalExecutor
from orch.adapters.local.container import TAG_LABEL, container_name, docker
from orch.ports import Command, EnvironmentProblem, Isolation

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")


@pytest.fixture(scope="module", autouse=True)
def engine() -> None:
    answer = docker("info", "--format", "{{.ServerVersion}}")
    assert answer.returncode == 0, f"the container tests need an engine: {answer.stderr!r}"


def containers(tag_prefix: str) -> list[str]:
    """The shard containers (running or not) whose tag starts with ``tag_prefix``."""
    listed = docker(
        "ps", "--all", "--filter", f"label={TAG_LABEL}", "--format", f'{{{{.Label "{TAG_LABEL}"}}}}'
    )
    return [tag for tag in listed.stdout.decode().split() if tag.startswith(tag_prefix)]


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_a_container_shard_runs_the_app_mounted_offline_pinned_and_measured(tmp_path):
    app = tmp_path / "app"
    tag = f"iso-{uuid.uuid4().hex[:8]}/"
    with outside() as machine:
        write_app(
            app,
            {
                **machine,
                "pid1": Path(sys.executable).name[:15],  # measure.py: no process of the machine
                "outside": os.getpid(),
                "network": False,
                "app_writable": True,
                "no_new_privs": "0",
                "no_caps": False,
                "cpus": [0],
            },
        )
        isolation = Isolation(
            mode="container", network=False, cpus=(0,), writable=(app,), visible=(tmp_path,)
        )
        process, code, output = run_shard(
            LocalExecutor(), app, tmp_path / "scratch", isolation, tag
        )
    assert code == 0, output
    assert "8 passed" in output  # its output is the shard's output.log, as any shard's
    use = process.usage()
    assert use is not None and use.cpu_seconds > 0.05 and use.peak_memory > 10 * 2**20
    assert containers(tag) == []  # --rm: gone with its end


def sleeper(tmp_path: Path, tag: str) -> Command:
    return Command(
        (sys.executable, "-c", "import time; time.sleep(300)"),
        tmp_path,
        isolation=Isolation(mode="container", network=False, visible=(tmp_path,)),
    )


def test_kill_and_reap_remove_the_shard_s_container(tmp_path):
    executor = LocalExecutor()
    run = f"iso-{uuid.uuid4().hex[:8]}/"
    killed = executor.start(sleeper(tmp_path, run), tmp_path / "a", f"{run}a/")
    left = executor.start(sleeper(tmp_path, run), tmp_path / "b", f"{run}b/")
    assert wait_for(lambda: len(containers(run)) == 2, 30)
    killed.kill()
    assert containers(run) == [f"{run}b/"]
    executor.reap(run)
    assert containers(run) == []
    left.kill()


def test_a_sigkilled_orchestrator_leaves_no_container_running(tmp_path):
    run = f"iso-{uuid.uuid4().hex[:8]}/"
    orchestrator = tmp_path / "orchestrator.py"
    orchestrator.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            from pathlib import Path
            from orch.adapters.local import LocalExecutor
            from orch.ports import Command, Isolation
            command = Command(
                (sys.executable, "-c", "import time; time.sleep(300)"),
                Path({str(tmp_path)!r}),
                isolation=Isolation(mode="container", network=False),
            )
            LocalExecutor().start(command, Path({str(tmp_path / "s")!r}), {run!r})
            print("started", flush=True)
            time.sleep(300)
            """
        )
    )
    orch = subprocess.Popen([sys.executable, str(orchestrator)], stdout=subprocess.PIPE)
    assert orch.stdout is not None and orch.stdout.readline() == b"started\n"
    assert wait_for(lambda: containers(run) == [run], 30)
    os.kill(orch.pid, signal.SIGKILL)
    orch.wait()
    assert wait_for(lambda: containers(run) == [], 30), docker("ps").stdout.decode()
    assert docker("inspect", container_name(run)).returncode != 0


def test_without_docker_a_container_shard_is_an_environment_problem_saying_what_to_do(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EnvironmentProblem, match="needs the docker command and a running engine"):
        LocalExecutor().start(sleeper(tmp_path, "x/"), tmp_path / "s", "iso-nodocker/")
    assert LocalExecutor().reap("iso-nodocker/") == 0  # and nothing to ask for its leftovers
