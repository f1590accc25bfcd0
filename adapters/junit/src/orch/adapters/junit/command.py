"""The generic runner: any shell command whose tests write JUnit XML or TestNG results.

It cannot list or select tests, so the core runs each application as one shard; results are read
from the files the command leaves behind once it has ended.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
from pathlib import Path
from typing import ClassVar

import attrs
from attrs import define, field, frozen
from attrs.validators import instance_of

from orch.adapters.junit.junitxml import JUnitXmlParser
from orch.adapters.junit.node_printed import given_back
from orch.adapters.junit.properties import OUTPUTS_VARIABLE, publish
from orch.adapters.junit.safexml import one_line
from orch.adapters.junit.testng import TestNGParser
from orch.ports import (
    Application,
    Command,
    ConfigError,
    CoverageMap,
    EnvironmentProblem,
    Event,
    Outcome,
    ResultFileError,
    ResultParser,
    Shard,
    ShardExit,
    TestCase,
    TestResult,
)

JUNIT_FILE = "junit.xml"
"""The name of the file ``{junit}`` stands for, in the shard's scratch directory."""

STARTED = "command-started"
"""Marker file in the scratch directory; result files older than it are stale and ignored."""

HEAD_BYTES = 8192
"""How much of a result file the parsers' ``sniff`` sees."""

NOT_FOUND = 127
"""The shell's exit code for a command it could not find."""

_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SHELL_WORDS = frozenset(
    {".", ":", "[", "[[", "case", "cd", "command", "eval", "exec", "export", "for", "if", "set"}
    | {"source", "test", "time", "ulimit", "umask", "unset", "until", "while"}
)


@frozen
class CommandSettings:
    """The ``runner: {command: {...}}`` block.

    ``run`` is a shell command line; ``{junit}`` in it becomes the path where the framework should
    write its JUnit XML, ``{test_path}`` the test files the shard runs (each quoted; nothing when
    it runs the whole application, which is how most frameworks read "all of them"). ``results``
    are extra glob patterns, relative to the application's path, for result files the command
    writes itself (``target/surefire-reports/*.xml``).
    """

    run: str = field(validator=instance_of(str))
    results: tuple[str, ...] = field(default=(), converter=tuple)


class NoEvents:
    """An event stream with nothing in it: a command's results only exist once it has ended."""

    def read(self) -> list[Event]:
        """Always empty."""
        return []


def _default_parsers() -> tuple[ResultParser, ...]:
    return (JUnitXmlParser(), TestNGParser())


@define
class CommandRunner:
    """orch's TestRunner for any framework: runs a shell command, then parses its result files.

    ``parsers`` read the files; each file goes to the first parser whose ``sniff`` accepts it, a
    file none accepts to the first parser, which says what is wrong with it.
    """

    __test__ = False  # TestRunner declares it, so isinstance(..., TestRunner) needs it

    PLUGIN_NAME: ClassVar[str] = "command"
    Settings: ClassVar[type] = CommandSettings
    selects_tests: ClassVar[bool] = False

    parsers: tuple[ResultParser, ...] = field(factory=_default_parsers, converter=tuple)

    def discover(self, app: Application) -> list[TestCase]:
        """Nothing: an arbitrary command cannot list its tests, so the app runs as one shard."""
        return []

    def command(self, app: Application, shard: Shard, scratch: Path) -> Command:
        """``/bin/sh -c`` with the settings' command line, ``{junit}`` filled in, in the app's path.

        :raises EnvironmentProblem: the command's program is not on PATH (or not at its path).
        :raises ConfigError: the command line is empty, unbalanced, or tells of no result file.
        """
        settings = _settings(app)
        scratch = scratch.absolute()
        junit = scratch / JUNIT_FILE
        line = settings.run.replace("{junit}", shlex.quote(str(junit)))
        line = line.replace("{test_path}", test_paths(shard))
        if "{junit}" not in settings.run and not settings.results:
            raise ConfigError(
                f"{app.name}: runner.command.run has no {{junit}} and runner.command.results is "
                "empty, so orch cannot find the test results; add one of them"
            )
        _check_program(app, line)
        scratch.mkdir(parents=True, exist_ok=True)
        junit.unlink(missing_ok=True)
        (scratch / STARTED).touch()
        return Command(argv=("/bin/sh", "-c", line), cwd=app.path, env=dict(app.env))

    def events(self, app: Application, shard: Shard, scratch: Path) -> NoEvents:
        """A stream that yields nothing; ``finish`` reports every result."""
        return NoEvents()

    def finish(
        self, app: Application, shard: Shard, scratch: Path, exit: ShardExit
    ) -> list[TestResult]:
        """Every test in every fresh result file; a corrupt file is one ``error`` result.

        Locations under the application's path (node writes ``file:///...`` URLs) are made
        relative to it, so ids, traces and reports do not depend on where the app was checked out.

        No result file at all, or files without a test from a command that failed, is one
        ``error`` result named after the app, saying how the command ended and what it printed last.

        A flow step's command (``ORCH_OUTPUTS`` in its env) has its files' ``<property>``
        elements merged into its outputs file (see ``properties``).
        """
        settings = _settings(app)
        files = _result_files(app, settings, scratch.absolute())
        results = [r for path in files for r in self._read(app, path, scratch, exit.output)]
        outputs = app.env.get(OUTPUTS_VARIABLE)
        if outputs:
            publish(files, app.path / outputs)  # relative: to where the command ran
        if not files or (not results and exit.returncode != 0):
            results = [_no_results(app, settings, scratch.absolute(), exit, bool(files))]
        if shard.attempt == 1:
            return results
        return [attrs.evolve(result, attempt=shard.attempt) for result in results]

    def coverage(self, app: Application, shard: Shard, scratch: Path) -> CoverageMap | None:
        """None: command runners cannot record per-test coverage (one process runs the app)."""
        return None

    def _read(self, app: Application, path: Path, scratch: Path, output: str) -> list[TestResult]:
        """The file's tests, with what node's test files printed given back (``node_printed``)."""
        try:
            with path.open("rb") as stream:
                head = stream.read(HEAD_BYTES)
            parser = next((p for p in self.parsers if p.sniff(head)), self.parsers[0])
            parsed = given_back(parser.parse(path, app.name), output)
            return [result.relative_to(app.path) for result in parsed]
        except (OSError, ResultFileError) as error:
            reason = error.reason if isinstance(error, ResultFileError) else str(error)
            name = _display_name(app, path, scratch)
            return [
                TestResult(
                    app=app.name,
                    nodeid=name,
                    outcome=Outcome.ERROR,
                    message=reason,
                    longrepr=f"{path}: {reason}",
                    file=name,
                )
            ]


def test_paths(shard: Shard) -> str:
    """The files of the shard's tests (``tests/a.test.js`` of ``tests/a.test.js::adds``), each
    once, quoted for the shell; empty when the shard runs the whole application."""
    files = dict.fromkeys(test.file or test.nodeid.split("::", 1)[0] for test in shard.tests)
    return " ".join(shlex.quote(file) for file in files)


def _settings(app: Application) -> CommandSettings:
    if isinstance(app.settings, CommandSettings):
        return app.settings
    raise ConfigError(
        f"{app.name}: the command runner needs its settings, e.g. "
        'runner: {command: {run: "npm test -- --reporter=junit"}}'
    )


def _program(app: Application, line: str) -> str | None:
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise ConfigError(f"{app.name}: runner.command.run cannot be split: {error}") from error
    words = [word for word in words if not _ASSIGNMENT.match(word)]
    if not words:
        raise ConfigError(f"{app.name}: runner.command.run is empty; give it a command line")
    program = words[0]
    if program in _SHELL_WORDS or program[0] in "$`({!":
        return None
    return program


def _check_program(app: Application, line: str) -> None:
    program = _program(app, line)
    if program is None:
        return
    if "/" in program:
        where = app.path / program
        if not where.is_file():
            raise EnvironmentProblem(
                f"{app.name}: runner command '{program}' does not exist in {app.path}; "
                "fix runner.command.run in the workflow"
            )
        if not os.access(where, os.X_OK):
            raise EnvironmentProblem(
                f"{app.name}: runner command '{program}' is not executable; "
                f"run `chmod +x {program}` or fix runner.command.run in the workflow"
            )
    elif shutil.which(program, path=app.env.get("PATH")) is None:
        raise EnvironmentProblem(
            f"{app.name}: runner command '{program}' not found on PATH; "
            "install it or fix runner.command.run in the workflow"
        )


def _result_files(app: Application, settings: CommandSettings, scratch: Path) -> list[Path]:
    marker = scratch / STARTED
    started = marker.stat().st_mtime if marker.exists() else None
    found = [scratch / JUNIT_FILE]
    for pattern in settings.results:
        matches = glob.glob(pattern, root_dir=app.path, recursive=True)
        found.extend(app.path / match for match in sorted(matches))
    fresh: dict[Path, None] = {}
    for path in found:
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file() and (started is None or stat.st_mtime >= started):
            fresh[path.resolve()] = None
    return list(fresh)


def _display_name(app: Application, path: Path, scratch: Path) -> str:
    for base in (app.path, scratch):
        try:
            return path.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _tail(text: str, count: int) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()][-count:]


def _no_results(
    app: Application, settings: CommandSettings, scratch: Path, exit: ShardExit, files: bool
) -> TestResult:
    code = exit.returncode
    if exit.killed_for:
        ended = f"was killed ({exit.killed_for})"
    elif code == NOT_FOUND:
        ended = "failed: command not found (exit code 127)"
    elif code < 0:
        ended = f"was killed by signal {-code}"
    else:
        ended = f"exited with code {code}"
    wrote = "its result files hold no test" if files else "wrote no result file"
    said = " | ".join(line.strip() for line in _tail(exit.output_tail, 3)) or "no output"
    looked = [str(scratch / JUNIT_FILE), *settings.results]
    return TestResult(
        app=app.name,
        nodeid=app.name,
        outcome=Outcome.ERROR,
        message=one_line(f"`{settings.run}` {ended} and {wrote}; last output: {said}"),
        longrepr="\n".join(
            [
                f"command: {settings.run}",
                f"looked for: {', '.join(looked)}",
                "last output:",
                *_tail(exit.output_tail, 50),
            ]
        ),
    )
