"""A flow step run by the command runner: the ``<property>`` elements of the JUnit XML its command
wrote join its ``ORCH_OUTPUTS`` file, and what the test wrote there itself wins."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from orch.adapters.junit import CommandRunner, CommandSettings
from orch.ports import Application, Outcome, Shard, TestResult
from orch.testing.contracts import run_command

PYTEST = f"{shlex.quote(sys.executable)} -m pytest -q -p no:cacheprovider -o junit_family=xunit1"

REPORT = """<?xml version="1.0"?>
<testsuites>
  <testsuite name="orders">
    <properties>
      <property name="build" value="42"/>
      <property name="region" value="eu"/>
    </properties>
    <testcase classname="orders" name="creates">
      <properties>
        <property name="region" value="us"/>
        <property name="note">written as text</property>
      </properties>
    </testcase>
  </testsuite>
</testsuites>
"""


def run_step(app: Application, scratch: Path, outputs: Path) -> list[TestResult]:
    """Run ``app``'s command as the core runs a flow step: ORCH_OUTPUTS in the app's env."""
    step = Application(
        app.name,
        app.path,
        "command",
        settings=app.settings,
        env={"ORCH_OUTPUTS": str(outputs)},
    )
    runner = CommandRunner()
    shard = Shard(app=app.name, tests=(), key="shop-1")
    exit = run_command(runner.command(step, shard, scratch), timeout=60)
    return runner.finish(step, shard, scratch, exit)


def command_app(path: Path, run: str, results: tuple[str, ...] = ()) -> Application:
    path.mkdir(parents=True, exist_ok=True)
    settings = CommandSettings(run=run, results=results)
    return Application(name="shop", path=path, runner="command", settings=settings)


def test_pytest_s_recorded_properties_join_what_the_test_wrote_itself(tmp_path: Path) -> None:
    app = command_app(tmp_path / "api", PYTEST + " --junitxml={junit}")
    (app.path / "test_order.py").write_text(
        "import json, os\n"
        "def test_create(record_property, record_testsuite_property):\n"
        "    with open(os.environ['ORCH_OUTPUTS'], 'w') as out:\n"
        "        json.dump({'order_id': 'by hand', 'count': 2}, out)\n"
        "    record_property('order_id', 7)\n"
        "    record_property('user', 'ann')\n"
        "    record_testsuite_property('build', 42)\n"
    )
    outputs = tmp_path / "outputs.json"
    results = run_step(app, tmp_path / "scratch", outputs)
    assert [(r.nodeid, r.outcome) for r in results] == [("test_order.test_create", Outcome.PASSED)]
    assert json.loads(outputs.read_text(encoding="utf-8")) == {
        "order_id": "by hand",
        "count": 2,
        "user": "ann",
    }


def test_only_testcase_properties_count_and_text_counts_as_a_value(tmp_path: Path) -> None:
    """A suite's properties stay out: Surefire writes the JVM's system properties there."""
    app = command_app(tmp_path / "web", "cp report.xml {junit}")
    (app.path / "report.xml").write_text(REPORT, encoding="utf-8")
    outputs = tmp_path / "outputs.json"
    results = run_step(app, tmp_path / "scratch", outputs)
    assert [(r.nodeid, r.outcome) for r in results] == [("orders.creates", Outcome.PASSED)]
    assert json.loads(outputs.read_text(encoding="utf-8")) == {
        "region": "us",
        "note": "written as text",
    }


def test_a_broken_report_adds_nothing_and_the_others_still_count(tmp_path: Path) -> None:
    app = command_app(
        tmp_path / "web", "cp report.xml {junit} && cp cut.xml reports/", ("reports/*.xml",)
    )
    (app.path / "reports").mkdir()
    (app.path / "report.xml").write_text(REPORT, encoding="utf-8")
    cut = '<testsuite name="cut"><properties><property name="half" value="1"/></properties>'
    (app.path / "cut.xml").write_text(cut, encoding="utf-8")
    outputs = tmp_path / "outputs.json"
    results = run_step(app, tmp_path / "scratch", outputs)
    assert {r.nodeid: r.outcome for r in results} == {
        "orders.creates": Outcome.PASSED,
        "reports/cut.xml": Outcome.ERROR,
    }
    assert json.loads(outputs.read_text(encoding="utf-8")) == {
        "region": "us",
        "note": "written as text",
    }


def test_an_outputs_file_that_is_not_an_object_is_left_as_the_test_wrote_it(
    tmp_path: Path,
) -> None:
    app = command_app(tmp_path / "web", 'cp report.xml {junit} && echo "[1, 2]" > "$ORCH_OUTPUTS"')
    (app.path / "report.xml").write_text(REPORT, encoding="utf-8")
    outputs = tmp_path / "outputs.json"
    run_step(app, tmp_path / "scratch", outputs)
    assert outputs.read_text(encoding="utf-8") == "[1, 2]\n"
    assert list(tmp_path.glob("*.part")) == []


def test_without_orch_outputs_the_properties_go_nowhere(tmp_path: Path) -> None:
    app = command_app(tmp_path / "web", "cp report.xml {junit}")
    (app.path / "report.xml").write_text(REPORT, encoding="utf-8")
    runner = CommandRunner()
    shard = Shard(app=app.name, tests=(), key="shop-1")
    before = sorted(tmp_path.rglob("*"))
    exit = run_command(runner.command(app, shard, tmp_path / "scratch"), timeout=60)
    results = runner.finish(app, shard, tmp_path / "scratch", exit)
    assert [(r.nodeid, r.outcome) for r in results] == [("orders.creates", Outcome.PASSED)]
    made = sorted(set(tmp_path.rglob("*")) - set(before))
    assert [p.relative_to(tmp_path).as_posix() for p in made] == [
        "scratch",
        "scratch/command-started",
        "scratch/junit.xml",
    ]
