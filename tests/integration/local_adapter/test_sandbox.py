"""``isolation: sandbox`` with the real bwrap: a pytest shard checks each property from inside."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from isolated_shards import outside, run_shard, write_app

from orch.adapters.local import LocalExecutor
from orch.ports import EnvironmentProblem, Isolation

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")


@pytest.fixture(scope="module", autouse=True)
def bwrap() -> None:
    assert shutil.which("bwrap"), "the sandbox tests need bubblewrap (.ci/run installs it)"


def expect(machine: dict[str, object], **changed: object) -> dict[str, object]:
    return {
        **machine,
        "pid1": "bwrap",
        "outside": os.getpid(),
        "network": False,
        "app_writable": True,
        "no_new_privs": "1",
        "no_caps": False,
        "cpus": None,
        **changed,
    }


def sandbox(app: Path, root: Path, **settings: object) -> Isolation:
    return Isolation(mode="sandbox", writable=(app,), visible=(root,), **settings)  # type: ignore[arg-type]


def test_a_sandboxed_shard_has_its_own_pids_no_network_a_read_only_root_and_a_private_tmp(
    tmp_path,
):
    app = tmp_path / "app"
    with outside() as machine:
        write_app(app, expect(machine))
        process, code, output = run_shard(
            LocalExecutor(),
            app,
            tmp_path / "scratch",
            sandbox(app, tmp_path, network=False),
            "iso-sandbox/",
        )
    assert code == 0, output
    assert "8 passed" in output
    use = process.usage()
    assert use is not None and use.cpu_seconds > 0.05 and use.peak_memory > 10 * 2**20


def test_with_the_network_allowed_a_service_on_the_machine_s_loopback_is_reachable(tmp_path):
    app = tmp_path / "app"
    with outside() as machine:
        write_app(app, expect(machine, network=True, cpus=[0]))
        isolation = sandbox(app, tmp_path, network=True, cpus=(0,))
        _, code, output = run_shard(
            LocalExecutor(), app, tmp_path / "scratch", isolation, "iso-net/"
        )
    assert code == 0, output


def test_a_hardened_sandbox_drops_every_capability_and_writes_nothing_but_its_scratch(tmp_path):
    app = tmp_path / "app"
    with outside() as machine:
        write_app(app, expect(machine, app_writable=False, no_caps=True))
        isolation = Isolation(
            mode="sandbox", network=True, read_only=True, hardened=True, visible=(tmp_path,)
        )
        _, code, output = run_shard(
            LocalExecutor(), app, tmp_path / "scratch", isolation, "iso-hard/"
        )
    assert code == 0, output  # network=True is overruled: hardened has none


def test_without_bwrap_the_shard_is_an_environment_problem_saying_to_install_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))
    app = tmp_path / "app"
    write_app(app, {})
    with pytest.raises(EnvironmentProblem, match="needs bubblewrap: install it"):
        run_shard(LocalExecutor(), app, tmp_path / "scratch", sandbox(app, tmp_path), "iso-x/")
