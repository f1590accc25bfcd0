"""Issue 10's leak figure: 50 ``orch run`` cycles of an environment of three services (a
PostgreSQL process with a schema, a local process, a busybox container), 10 of them with orch
killed by SIGKILL while it provisions and 5 while a test runs; then one more start. Printed:
what is left on the machine (containers, networks, volumes, service processes, service folders,
owner locks), which must be nothing.

    uv run --no-sync python tests/bench/leaks.py [--cycles 50 --kill-provisioning 10 --kill-test 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "helpers"), str(TESTS / "e2e")]

from docker_images import busybox_image  # noqa: E402
from environment_project import box_started, environment_project, left_behind  # noqa: E402
from orch_cli import ORCH  # noqa: E402

SLOW_WAIT = "wait: {log: {pattern: never, timeout: 60}}"


def cycle(project: Path, kill: str, env: dict[str, str]) -> str:
    """One ``orch run``: to its end, or SIGKILLed at ``kill`` (provisioning, test); its run id."""
    marker = project / "marker"
    marker.unlink(missing_ok=True)
    process = subprocess.Popen(
        [ORCH, "run", "."],
        cwd=project,
        env={**env, "MARKER": str(marker) if kill == "test" else ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while kill and time.monotonic() < deadline:
        if kill == "test" and marker.exists():
            break
        if kill == "provisioning" and box_started(project):
            break
        time.sleep(0.05)
    if kill:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=120)
    return kill or "finished"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--kill-provisioning", type=int, default=10)
    parser.add_argument("--kill-test", type=int, default=5)
    options = parser.parse_args()
    image = busybox_image(docker.from_env())
    env = {key: value for key, value in os.environ.items() if key != "ORCH_HOME"}
    kills = ["provisioning"] * options.kill_provisioning + ["test"] * options.kill_test
    plan = kills + [""] * (options.cycles - len(kills))
    plan = [plan[i] for i in sorted(range(len(plan)), key=lambda i: (i * 7) % len(plan))]
    with tempfile.TemporaryDirectory() as folder:
        slow = Path(folder) / "slow"
        fast = Path(folder) / "fast"
        environment_project(slow, image, box_wait=SLOW_WAIT)
        environment_project(fast, image)
        began = time.monotonic()
        for number, kill in enumerate(plan, 1):
            said = cycle(slow if kill == "provisioning" else fast, kill, env)
            print(f"cycle {number:2}: {said}", flush=True)
        cycle(fast, "", env)  # the next start prunes what the reaper may not have
        time.sleep(2)
        left = left_behind("2")  # every run id starts with the year
        temp = list(Path(tempfile.gettempdir()).glob("orch-env-*"))
        locks = [*fast.glob(".orch/environments/*/lock"), *slow.glob(".orch/environments/*/lock")]
        print(
            f"{len(plan) + 1} cycles in {time.monotonic() - began:.0f} s "
            f"({len(kills)} with orch killed by SIGKILL)"
        )
        print(
            f"left behind: {len(left)} containers/networks/volumes/processes, "
            f"{len(temp)} service folders, {len(locks)} owner locks"
        )
        for line in [*left, *map(str, temp), *map(str, locks)]:
            print("  " + line)
        return 1 if left or temp or locks else 0


if __name__ == "__main__":
    sys.exit(main())
