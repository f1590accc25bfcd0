"""The command runner with real processes: node's test runner, pytest, and plain shell commands."""

from __future__ import annotations

import importlib.metadata
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

import pluggy
import pytest

from orch.adapters.junit import CommandRunner, CommandSettings, JUnitXmlParser, TestNGParser
from orch.adapters.junit import plugin as junit_plugin
from orch.ports import (
    Application,
    ConfigError,
    EnvironmentProblem,
    Outcome,
    Shard,
    ShardExit,
    TestCase,
    TestResult,
)
from orch.ports import (
    TestRunner as RunnerPort,
)
from orch.ports import hooks as orch_hooks
from orch.testing.contracts import run_command

DATA = Path(__file__).parents[2] / "data" / "junit"
NODE_REPORTER = "node --test --test-reporter=junit --test-reporter-destination={junit}"


def make_app(path: Path, run: str, results: tuple[str, ...] = (), **extra: object) -> Application:
    path.mkdir(parents=True, exist_ok=True)
    settings = CommandSettings(run=run, results=results)
    return Application(name="shop", path=path, runner="command", settings=settings, **extra)


def run_shard(app: Application, scratch: Path, attempt: int = 1) -> list[TestResult]:
    """What the core does with a runner: command, start it, wait, finish."""
    runner = CommandRunner()
    shard = Shard(app=app.name, tests=(), key="shop-1", attempt=attempt)
    command = runner.command(app, shard, scratch)
    assert command.argv[:2] == ("/bin/sh", "-c") and command.cwd == app.path
    assert runner.events(app, shard, scratch).read() == []
    exit = run_command(command, timeout=60)
    return runner.finish(app, shard, scratch, exit)


def by_id(results: list[TestResult]) -> dict[str, TestResult]:
    return {result.nodeid: result for result in results}


def test_a_real_node_test_run(tmp_path: Path) -> None:
    app = make_app(tmp_path / "web", NODE_REPORTER)
    (app.path / "test").mkdir()
    (app.path / "test" / "cart.test.mjs").write_text(
        "import { test } from 'node:test';\n"
        "import assert from 'node:assert';\n"
        "test('adds', () => assert.strictEqual(1 + 1, 2));\n"
        "test('fails', () => assert.strictEqual(1 + 1, 3));\n"
        "test('skips', { skip: 'not today' }, () => {});\n"
    )
    results = by_id(run_shard(app, tmp_path / "scratch dir"))
    assert {nodeid: r.outcome for nodeid, r in results.items()} == {
        "adds": Outcome.PASSED,
        "fails": Outcome.FAILED,
        "skips": Outcome.SKIPPED,
    }
    assert results["fails"].message.startswith("Expected values to be strictly equal")
    assert results["skips"].message == "not today"
    assert all(r.app == "shop" and r.attempt == 1 for r in results.values())


def test_a_node_file_that_ends_early_gets_back_what_it_printed(tmp_path: Path) -> None:
    """Node's JUnit says ``test failed`` for such a file; the spec output on stderr says why,
    and only that file's lines are given back (not another file's, nor the noise of a test)."""
    spec = " --test-reporter=spec --test-reporter-destination=stderr"
    app = make_app(tmp_path / "web", NODE_REPORTER + spec)
    (app.path / "test").mkdir()
    (app.path / "test" / "a.test.js").write_text("require('./gone');\n")
    (app.path / "test" / "b.test.js").write_text(
        "const test = require('node:test');\n"
        "test('noisy', () => { console.error('noise of b'); });\n"
    )
    (app.path / "test" / "c.test.js").write_text("process.exit(3);\n")
    results = by_id(run_shard(app, tmp_path / "scratch"))
    gone = results["test/a.test.js"]
    assert gone.message == "test failed: Error: Cannot find module './gone'"
    assert "What test/a.test.js printed before node ended it:" in gone.longrepr
    assert "at Object.<anonymous> (test/a.test.js:1:1)" in gone.longrepr  # made relative
    assert "noise of b" not in gone.longrepr and results["noisy"].outcome is Outcome.PASSED
    exited = results["test/c.test.js"]
    assert exited.message == "test failed" and "exitCode: 3" in exited.longrepr
    assert "printed before" not in exited.longrepr  # it printed nothing


def test_without_the_spec_output_a_node_file_s_failure_stays_as_node_wrote_it(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path / "web", NODE_REPORTER)
    (app.path / "test").mkdir()
    (app.path / "test" / "a.test.js").write_text("require('./gone');\n")
    [gone] = run_shard(app, tmp_path / "scratch")
    assert gone.message == "test failed" and "exitCode: 1" in gone.longrepr


def test_test_path_is_the_shard_s_files_or_nothing_for_the_whole_app(tmp_path: Path) -> None:
    app = make_app(tmp_path / "web", NODE_REPORTER + " {test_path}")
    (app.path / "test").mkdir()
    for name, title in (("pay ment", "pays"), ("cart", "adds")):
        (app.path / "test" / f"{name}.test.mjs").write_text(
            f"import {{ test }} from 'node:test';\ntest('{title}', () => {{}});\n"
        )
    everything = by_id(run_shard(app, tmp_path / "all"))
    assert {nodeid: r.outcome for nodeid, r in everything.items()} == {
        "adds": Outcome.PASSED,
        "pays": Outcome.PASSED,
    }
    runner = CommandRunner()
    one = TestCase("shop", "test/pay ment.test.mjs", file="test/pay ment.test.mjs")
    shard = Shard(app=app.name, tests=(one,), key="shop-1")
    command = runner.command(app, shard, tmp_path / "one")
    assert command.argv[2].endswith(" 'test/pay ment.test.mjs'")
    exit = run_command(command, timeout=60)
    results = runner.finish(app, shard, tmp_path / "one", exit)
    assert [(r.nodeid, r.outcome) for r in results] == [("pays", Outcome.PASSED)]


def test_a_real_pytest_junitxml_run(tmp_path: Path) -> None:
    python = shlex.quote(sys.executable)
    app = make_app(
        tmp_path / "api", f"{python} -m pytest -q -p no:cacheprovider --junitxml={{junit}}"
    )
    (app.path / "tests").mkdir()
    (app.path / "tests" / "test_api.py").write_text(
        "import pytest\n"
        "def test_ok():\n    assert True\n"
        "def test_bad():\n    print('calling api')\n    assert 1 == 2, 'status mismatch'\n"
        "@pytest.mark.skip(reason='later')\ndef test_later():\n    pass\n"
    )
    results = by_id(run_shard(app, tmp_path / "scratch", attempt=2))
    assert {nodeid: r.outcome for nodeid, r in results.items()} == {
        "tests.test_api.test_ok": Outcome.PASSED,
        "tests.test_api.test_bad": Outcome.FAILED,
        "tests.test_api.test_later": Outcome.SKIPPED,
    }
    assert results["tests.test_api.test_bad"].message.startswith("AssertionError: status mismatch")
    assert all(r.attempt == 2 for r in results.values())


def test_a_missing_command_is_an_environment_problem(tmp_path: Path) -> None:
    app = make_app(tmp_path / "web", "nod --test --test-reporter=junit > {junit}")
    shard = Shard(app="shop", tests=())
    with pytest.raises(EnvironmentProblem) as caught:
        CommandRunner().command(app, shard, tmp_path / "scratch")
    assert str(caught.value) == (
        "shop: runner command 'nod' not found on PATH; "
        "install it or fix runner.command.run in the workflow"
    )


def test_the_command_is_looked_up_on_the_apps_own_path(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    tool = tools / "shoptest"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    shard = Shard(app="shop", tests=())
    own = make_app(tmp_path / "a", "CI=1 shoptest --out {junit}", env={"PATH": str(tools)})
    assert CommandRunner().command(own, shard, tmp_path / "s1").env == {"PATH": str(tools)}
    plain = make_app(tmp_path / "b", "CI=1 shoptest --out {junit}")
    with pytest.raises(EnvironmentProblem, match="'shoptest' not found on PATH"):
        CommandRunner().command(plain, shard, tmp_path / "s2")


def test_a_relative_program_must_exist_and_be_executable(tmp_path: Path) -> None:
    app = make_app(tmp_path / "java", "./gradlew test", results=("build/test-results/*.xml",))
    shard = Shard(app="shop", tests=())
    with pytest.raises(EnvironmentProblem, match=r"'./gradlew' does not exist in "):
        CommandRunner().command(app, shard, tmp_path / "scratch")
    (app.path / "gradlew").write_text("#!/bin/sh\n")
    with pytest.raises(EnvironmentProblem, match=r"run `chmod \+x ./gradlew`"):
        CommandRunner().command(app, shard, tmp_path / "scratch")
    (app.path / "gradlew").chmod(0o755)
    assert CommandRunner().command(app, shard, tmp_path / "scratch").argv[2] == "./gradlew test"


def test_shell_builtins_are_not_looked_up(tmp_path: Path) -> None:
    app = make_app(tmp_path / "web", "cd . && " + NODE_REPORTER)
    command = CommandRunner().command(app, Shard(app="shop", tests=()), tmp_path / "s")
    junit = (tmp_path / "s").absolute() / "junit.xml"
    assert command.argv[2] == f"cd . && {NODE_REPORTER.replace('{junit}', str(junit))}"


def test_results_come_from_every_fresh_file_and_a_corrupt_one_is_one_error(
    tmp_path: Path,
) -> None:
    app = make_app(
        tmp_path / "mixed",
        f"mkdir -p reports && cp {DATA}/ant-junit.xml reports/TEST-a.xml"
        f" && cp {DATA}/corrupt-truncated.xml reports/TEST-b.xml"
        f" && cp {DATA}/testng-results.xml reports/testng-results.xml"
        f" && cp {DATA}/corrupt-html.xml {{junit}}",
        results=("reports/TEST-*.xml", "reports/testng-results.xml"),
    )
    listed = run_shard(app, tmp_path / "scratch")
    assert len(listed) == 4 + 10 + 2
    results = by_id(listed)
    assert results["com.shop.CartTest.chargesCard"].outcome is Outcome.SKIPPED
    assert results["com.shop.CartTest.flakyGateway"].outcome is Outcome.FLAKY
    broken = results["reports/TEST-b.xml"]
    assert broken.outcome is Outcome.ERROR
    assert broken.message == (
        "not XML: unexpected end of file at line 61 (was the run killed while writing?)"
    )
    assert results["junit.xml"].message.startswith("an HTML page, not an XML result file")


def test_stale_result_files_are_ignored(tmp_path: Path) -> None:
    app = make_app(
        tmp_path / "java",
        f"cp {DATA}/ant-junit.xml target/surefire-reports/TEST-new.xml",
        results=("target/surefire-reports/*.xml",),
    )
    reports = app.path / "target" / "surefire-reports"
    reports.mkdir(parents=True)
    stale = reports / "TEST-old.xml"
    shutil.copy(DATA / "surefire-TEST-com.shop.CartTest.xml", stale)
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    results = by_id(run_shard(app, tmp_path / "scratch"))
    assert set(results) == {
        "com.shop.CartTest.addsItem",
        "com.shop.CartTest.startsEmpty",
        "com.shop.CartTest.chargesCard",
        "com.shop.CartTest.throwsOnExpiredCard",
    }


def test_no_result_file_is_one_error_naming_the_command(tmp_path: Path) -> None:
    app = make_app(
        tmp_path / "web",
        "echo compiling; echo 'Error: Cannot find module jest' >&2; exit 3",
        results=("junit/*.xml",),
    )
    [result] = run_shard(app, tmp_path / "scratch")
    assert (result.app, result.nodeid, result.outcome) == ("shop", "shop", Outcome.ERROR)
    assert result.message == (
        "`echo compiling; echo 'Error: Cannot find module jest' >&2; exit 3` exited with code 3"
        " and wrote no result file; last output: compiling | Error: Cannot find module jest"
    )
    assert "junit/*.xml" in result.longrepr


def test_exit_code_127_says_command_not_found(tmp_path: Path) -> None:
    app = make_app(tmp_path / "web", "true && no-such-test-tool-here --out {junit}")
    [result] = run_shard(app, tmp_path / "scratch")
    assert result.outcome is Outcome.ERROR
    assert "command not found (exit code 127)" in result.message
    assert "no-such-test-tool-here" in result.message


def test_a_killed_command_says_why(tmp_path: Path) -> None:
    app = make_app(tmp_path / "web", NODE_REPORTER)
    runner = CommandRunner()
    shard = Shard(app="shop", tests=())
    runner.command(app, shard, tmp_path / "scratch")
    exit = ShardExit(returncode=-9, killed_for="shard timeout after 300s", output_tail="")
    [result] = runner.finish(app, shard, tmp_path / "scratch", exit)
    assert "was killed (shard timeout after 300s)" in result.message
    assert result.message.endswith("last output: no output")


def test_settings_and_configuration_errors(tmp_path: Path) -> None:
    assert CommandSettings(run="make test", results=["a/*.xml"]).results == ("a/*.xml",)
    shard = Shard(app="shop", tests=())
    bare = Application(name="shop", path=tmp_path, runner="command")
    with pytest.raises(ConfigError, match="the command runner needs its settings"):
        CommandRunner().command(bare, shard, tmp_path / "s")
    blind = make_app(tmp_path, "node --test")
    with pytest.raises(ConfigError, match=r"has no \{junit\} and runner.command.results is empty"):
        CommandRunner().command(blind, shard, tmp_path / "s")
    unbalanced = make_app(tmp_path, "node --test 'oops {junit}")
    with pytest.raises(ConfigError, match="cannot be split"):
        CommandRunner().command(unbalanced, shard, tmp_path / "s")


def test_it_is_a_test_runner_that_runs_whole_apps(tmp_path: Path) -> None:
    runner = CommandRunner()
    assert isinstance(runner, RunnerPort)
    assert (runner.PLUGIN_NAME, runner.selects_tests) == ("command", False)
    assert runner.Settings is CommandSettings
    assert runner.discover(make_app(tmp_path, NODE_REPORTER)) == []


def test_the_plugin_registers_parsers_and_runner() -> None:
    manager = pluggy.PluginManager(orch_hooks.PROJECT)
    manager.add_hookspecs(orch_hooks)
    [entry] = importlib.metadata.entry_points(group="orch", name="junit")
    assert entry.load() is junit_plugin
    manager.register(junit_plugin)
    assert manager.hook.orch_register_result_parsers() == [[JUnitXmlParser, TestNGParser]]
    assert manager.hook.orch_register_test_runners() == [[CommandRunner]]


def test_empty_results_from_a_failing_command_are_an_error(tmp_path: Path) -> None:
    empty = '<testsuites name="jest tests" tests="0"></testsuites>'
    failing = make_app(tmp_path / "a", f"echo '{empty}' > {{junit}}; echo 'bad config'; exit 1")
    [result] = run_shard(failing, tmp_path / "s1")
    assert result.nodeid == "shop" and result.outcome is Outcome.ERROR
    assert "exited with code 1 and its result files hold no test" in result.message
    assert "bad config" in result.message
    passing = make_app(tmp_path / "b", f"echo '{empty}' > {{junit}}")
    assert run_shard(passing, tmp_path / "s2") == []


NODE_SUITE = """\
import { test, describe } from 'node:test';
import assert from 'node:assert';

test('deep diff', () => {
  assert.deepStrictEqual({ a: 1, b: [1, 2] }, { a: 2, b: [1, 3] });
});
test('skipped without reason', { skip: true }, () => {});
test('skipped with reason', { skip: 'not on linux' }, () => {});
test('todo without reason', { todo: true }, () => {});
test('skips itself', (t) => { t.skip(); });
describe('cart', () => {
  test('rejects a card', () => { assert.ok(false, 'card was accepted'); });
});
"""


def test_node_results_read_like_the_apps_own(tmp_path: Path) -> None:
    """Issue 7 item 12: node's reporter writes absolute ``file:///`` locations, ``skip: true``
    as the reason ``'true'``, and its diffs were flattened onto one line."""
    app = make_app(tmp_path / "web", NODE_REPORTER)
    (app.path / "test").mkdir()
    (app.path / "test" / "cart.test.mjs").write_text(NODE_SUITE)
    results = by_id(run_shard(app, tmp_path / "scratch"))
    assert set(results) == {
        "deep diff",
        "skipped without reason",
        "skipped with reason",
        "todo without reason",
        "skips itself",
        "cart > rejects a card",
    }
    assert {r.file for r in results.values()} == {"test/cart.test.mjs"}
    everything = "".join(r.message + r.longrepr + r.file for r in results.values())
    assert str(app.path) not in everything and "file://" not in everything
    rejected = results["cart > rejects a card"]
    assert "(test/cart.test.mjs:12:" in rejected.longrepr
    diff = results["deep diff"].message.splitlines()
    assert diff[:2] == ["Expected values to be strictly deep-equal:", "+ actual - expected"]
    assert "+   a: 1," in diff and "-   a: 2," in diff
    assert results["skipped without reason"].message == ""
    assert results["skips itself"].message == ""
    assert results["skipped with reason"].message == "not on linux"
    assert results["todo without reason"].message == "todo"


def test_a_report_directory_with_a_big_file_and_a_bad_one_loses_only_the_bad_one(
    tmp_path: Path,
) -> None:
    """Issue 8 items 3 and 4 in a run: a file over 10 MB was one error; one bad file costs only
    its own tests, whatever the others hold (a DOCTYPE naming a DTD on the web included)."""
    reports = tmp_path / "app" / "reports"
    reports.mkdir(parents=True)
    case = '<testcase classname="com.shop.BigTest" name="t{n}" time="inf"><system-out>'
    case += "o" * 1000 + "</system-out></testcase>\n"
    with (reports / "TEST-big.xml").open("w") as out:
        out.write('<testsuite name="big">\n')
        out.write("".join(case.format(n=n) for n in range(10_000)))
        out.write("</testsuite>\n")
    assert (reports / "TEST-big.xml").stat().st_size > 10_000_000
    (reports / "TEST-dtd.xml").write_text(
        '<!DOCTYPE testsuite SYSTEM "http://example.com/junit.dtd">\n<testsuite name="d">'
        '<testcase classname="com.shop.DtdTest" name="x"><failure message="no"/></testcase>'
        "</testsuite>\n"
    )
    (reports / "TEST-cut.xml").write_text('<testsuite name="c">\n<testcase classname="a" ')
    app = make_app(tmp_path / "app", "touch reports/*.xml", results=("reports/TEST-*.xml",))
    results = by_id(run_shard(app, tmp_path / "scratch"))
    assert len(results) == 10_000 + 1 + 1
    assert results["com.shop.BigTest.t9999"].duration == 0.0
    assert results["com.shop.DtdTest.x"].outcome is Outcome.FAILED
    cut = results["reports/TEST-cut.xml"]
    assert (cut.outcome, cut.message) == (
        Outcome.ERROR,
        "not XML: unexpected end of file at line 2 (was the run killed while writing?)",
    )
