"""Isolation: what the workflow says, what core makes of it for each shard, and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_run import fake_session
from test_config import error_of, write

from orch.core import Workflow, load_workflow
from orch.core.run.isolation import CpuAllocator, cpus_wanted, isolation_for
from orch.ports import Application, Execution, Isolation, IsolationSettings, ResourceUse
from orch.testing.fake_runner import FakeRunner, FakeTest

ROOT = Path("/work/flow")
DEFAULTS = Execution()
APP = Application("pay", ROOT / "pay", "pytest")


def isolated(app: Application = APP, execution: Execution = DEFAULTS) -> Isolation:
    return isolation_for(app, execution, ROOT)


def test_no_test_type_and_no_isolation_is_a_plain_process_as_before():
    assert isolated() == Isolation()
    assert cpus_wanted(APP, Execution()) == 0


def test_unit_tests_get_a_sandbox_with_no_network_even_with_an_environment():
    got = isolated(Application("pay", APP.path, "pytest", test_type="unit", environment="db"))
    assert got == Isolation(mode="sandbox", network=False, writable=(APP.path,), visible=(ROOT,))


@pytest.mark.parametrize(("environment", "network"), [("db", True), ("", False)])
def test_integration_tests_get_the_network_only_when_the_app_has_an_environment(
    environment, network
):
    app = Application("pay", APP.path, "pytest", test_type="integration", environment=environment)
    got = isolated(app)
    assert (got.mode, got.network, got.read_only, got.hardened) == (
        "sandbox",
        network,
        False,
        False,
    )


def test_performance_tests_run_plainly_on_one_cpu_of_their_own():
    app = Application("pay", APP.path, "pytest", test_type="performance")
    assert cpus_wanted(app, Execution()) == 1
    assert isolation_for(app, Execution(), ROOT, (1,)) == Isolation(cpus=(1,))


def test_security_tests_are_hardened_read_only_and_offline_whatever_network_says():
    app = Application(
        "pay", APP.path, "pytest", test_type="security", isolation=IsolationSettings(network=True)
    )
    got = isolated(app)
    assert (got.mode, got.network, got.read_only, got.hardened) == ("sandbox", False, True, True)
    assert got.writable == ()


def test_what_the_workflow_says_wins_over_the_test_type_and_the_workflow_default_applies():
    settings = IsolationSettings(mode="container", network=True, memory=2**30, image="py:3")
    app = Application("pay", APP.path, "pytest", test_type="unit", isolation=settings)
    got = isolated(app)
    assert (got.mode, got.network, got.memory, got.image) == ("container", True, 2**30, "py:3")
    default = Execution(isolation=IsolationSettings(mode="sandbox", cpus=2))
    assert isolated(APP, default).mode == "sandbox" and cpus_wanted(APP, default) == 2
    unit = Application("x", APP.path, "pytest", test_type="unit")
    assert isolated(unit, Execution(isolation=IsolationSettings("container", True))) == Isolation(
        mode="sandbox", network=False, writable=(APP.path,), visible=(ROOT,)
    )  # the test type's word comes before the workflow's default
    assert (
        isolated(Application("x", APP.path, "pytest", isolation=IsolationSettings("none")), default)
        == Isolation()
    )


def test_two_shards_asking_for_a_cpu_at_once_get_different_ones_and_others_keep_off():
    cpus = CpuAllocator((0, 1))
    first, second = cpus.take(1), cpus.take(1)
    assert {first, second} == {(0,), (1,)}
    assert cpus.take(0) == ()  # every CPU is somebody's: any CPU
    assert cpus.take(1) in ((0,), (1,))  # more wanted than there are: shared, least taken first
    cpus = CpuAllocator((0, 1))
    assert cpus.take(1) == (0,) and cpus.take(0) == (1,)  # the rest keep off CPU 0
    cpus.give_back((0,))
    assert cpus.take(0) == () and cpus.take(1) == (0,)
    assert CpuAllocator((0, 1)).take(5) == (0, 1)


def test_a_run_pins_performance_shards_and_records_every_shard_s_usage(tmp_path):
    runner = FakeRunner({"perf": [FakeTest("t1", duration=0.5)], "unit": [FakeTest("u1")]})
    apps = (
        Application("perf", tmp_path, "fake", test_type="performance"),
        Application("unit", tmp_path, "fake", test_type="unit"),
    )
    workflow = Workflow(apps, Execution(workers=2), root=tmp_path)
    session = fake_session(workflow, runner)
    result = session.execute()
    commands = {p.app: p.command.isolation for p in session.executor.started}
    assert commands["perf"].mode == "none" and len(commands["perf"].cpus) == 1
    assert commands["unit"].mode == "sandbox" and not commands["unit"].network
    shards = {shard.app: shard for shard in result.shards}
    assert (
        shards["perf"].cpus == commands["perf"].cpus and shards["perf"].test_type == "performance"
    )
    assert shards["perf"].use == ResourceUse(0.5, 2**20)
    assert shards["unit"].cpus == () and shards["unit"].mode == "sandbox"
    assert result.shards[0].as_json()["cpu_seconds"] is not None


def test_isolation_and_test_type_load_from_the_file_short_and_long(tmp_path, registry):
    text = """
applications:
  pay-unit: {path: apps/pay, runner: pytest, paths: [tests/unit], test_type: unit}
  pay-perf:
    path: apps/pay
    runner: pytest
    paths: [tests/perf]
    test_type: performance
    isolation: {mode: container, network: false, cpus: 1, memory: 512m, image: "py:3"}
  web: {path: apps/web, runner: pytest, isolation: none}
execution: {isolation: sandbox}
"""
    workflow = load_workflow(write(tmp_path, text), registry)
    assert (
        workflow.app("pay-unit").test_type == "unit" and workflow.app("pay-unit").isolation is None
    )
    assert workflow.app("pay-perf").isolation == IsolationSettings(
        "container", False, 1, 512 * 2**20, "py:3"
    )
    assert workflow.app("pay-perf").path == workflow.app("pay-unit").path
    assert workflow.app("web").isolation == IsolationSettings("none")
    assert workflow.execution.isolation == IsolationSettings("sandbox")


def test_bad_isolation_values_are_one_line_each_naming_the_json_path(tmp_path, registry):
    text = """
applications:
  payments:
    path: apps/pay
    runner: pytest
    test_type: unitt
    isolation: {mode: sandbx, network: 3, cpus: 0, memory: lots, image: "", shape: round}
  web: {path: apps/web, runner: pytest, isolation: contaner}
execution: {isolation: [sandbox]}
"""
    lines = error_of(write(tmp_path, text), registry).splitlines()
    assert lines == [
        "orch.yaml: $.applications.payments.isolation.mode: unknown isolation mode 'sandbx'; "
        "did you mean 'sandbox'? (available: none, sandbox, container)",
        "orch.yaml: $.applications.payments.isolation.network: expected true or false, got 3",
        "orch.yaml: $.applications.payments.isolation.cpus: cpus is how many CPUs the shard has "
        "to itself, a whole number from 1 to 1024, got 0",
        "orch.yaml: $.applications.payments.isolation.memory: memory is a number of bytes or "
        "such as 512m or 2g, got 'lots'",
        "orch.yaml: $.applications.payments.isolation.image: expected an image name such as "
        "python:3.12-slim, got ''",
        "orch.yaml: $.applications.payments.isolation.shape: unknown key (valid: mode, network, "
        "cpus, memory, image)",
        "orch.yaml: $.applications.payments.test_type: unknown test type 'unitt'; did you mean "
        "'unit'? (available: unit, integration, performance, security)",
        "orch.yaml: $.applications.web.isolation: unknown isolation mode 'contaner'; did you "
        "mean 'container'? (available: none, sandbox, container)",
        "orch.yaml: $.execution.isolation: expected a mode (none, sandbox, container) or a "
        "mapping such as {mode: sandbox, network: false}, got a list of 1 item",
    ]


def test_the_readme_s_example_loads_one_codebase_as_an_application_per_test_type(
    tmp_path, registry
):
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    example = readme.split("## Isolation and test types", 1)[1].split("```yaml\n", 1)[1]
    (tmp_path / "apps" / "shop").mkdir(parents=True)
    (tmp_path / "apps" / "legacy").mkdir()
    (tmp_path / "orch.yaml").write_text(example.split("```", 1)[0])
    workflow = load_workflow(tmp_path / "orch.yaml", registry)
    shop = [app for app in workflow.applications if app.path == tmp_path / "apps" / "shop"]
    kinds = {app.test_type: isolation_for(app, workflow.execution, tmp_path) for app in shop}
    assert set(kinds) == {"unit", "integration", "performance", "security"}
    assert kinds["integration"].network and not kinds["unit"].network
    assert kinds["security"].hardened and kinds["performance"].mode == "none"
    assert workflow.app("legacy").isolation == IsolationSettings("container", False, 1, 2**30)
