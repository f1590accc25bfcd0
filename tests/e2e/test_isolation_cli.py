"""``orch run`` of a workflow whose applications are isolated: unit tests in a bwrap sandbox,
a container application on the Docker engine, a performance application on a CPU of its own;
one codebase split by test type into two applications with the same ``path``."""

from __future__ import annotations

import re
import subprocess

from orch_cli import outcomes, write_files

PROJECT = {
    "orch.yaml": """
        applications:
          shop-unit:
            path: shop
            runner: pytest
            paths: [tests/unit]
            test_type: unit
          shop-perf:
            path: shop
            runner: pytest
            paths: [tests/perf]
            test_type: performance
          boxed:
            path: boxed
            runner: pytest
            isolation: {mode: container, network: false, memory: 1g}
    """,
    "shop/tests/unit/test_sandboxed.py": """
        import os, socket

        def test_sees_only_its_own_processes():
            assert open("/proc/1/comm").read().strip() == "bwrap"

        def test_has_no_network():
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=1)
            except OSError:
                return
            raise AssertionError("the unit tests reached the network")

        def test_cannot_write_the_root():
            try:
                open("/etc/orch-e2e", "w")
            except OSError:
                return
            raise AssertionError("/etc was writable")
    """,
    "shop/tests/perf/test_speed.py": """
        import os

        def test_runs_on_one_cpu_of_its_own():
            assert len(os.sched_getaffinity(0)) == 1
            assert sum(i * i for i in range(200_000)) > 0
    """,
    "boxed/tests/test_in_a_container.py": """
        import os

        def test_runs_in_a_container_with_the_app_mounted():
            assert os.path.exists("/.dockerenv")
            assert os.path.exists(os.path.join(os.path.dirname(__file__), "test_in_a_container.py"))
    """,
}


def test_sandboxed_container_and_pinned_applications_pass_and_report_their_shards(orch, tmp_path):
    write_files(tmp_path, PROJECT)
    code, report = orch.json(".")
    assert code == 0, report["problems"]
    assert set(outcomes(report).values()) == {"passed"} and len(report["tests"]) == 5
    shards = {shard["app"]: shard for shard in report["shards"]}
    assert shards["shop-unit"]["isolation"] == "sandbox"
    assert shards["boxed"]["isolation"] == "container"
    perf = shards["shop-perf"]
    assert perf["isolation"] == "none" and len(perf["cpus"]) == 1
    assert perf["test_type"] == "performance"
    for shard in shards.values():
        assert shard["cpu_seconds"] > 0 and shard["peak_memory"] > 2**20, shard


def test_the_summary_shows_what_a_performance_shard_used(orch, tmp_path):
    write_files(tmp_path, {"orch.yaml": PROJECT["orch.yaml"].replace("boxed", "shop")})
    write_files(tmp_path, {k: v for k, v in PROJECT.items() if k.startswith("shop/")})
    done: subprocess.CompletedProcess = orch("run", ".", "--app", "shop-perf")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "shard(s) on CPUs of their own" in done.stdout
    pinned = re.findall(
        r"shop-perf-\d: CPU (\d+), [\d.]+s, [\d.]+s CPU, peak [\d.]+ MiB", done.stdout
    )
    assert pinned, done.stdout
    assert len(set(pinned)) == len(pinned)  # shards at once (a first run splits it) never share
