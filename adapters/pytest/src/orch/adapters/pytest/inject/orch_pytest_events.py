"""pytest plugin orch puts on the app's path: streams collection and per-phase events as JSON lines.

Dependency-free on purpose (stdlib and pytest only): the application's interpreter need not have
orch installed. ``ORCH_EVENTS`` names the file to append events to; ``ORCH_SELECT`` names a file of
nodeids, one a line, to run (everything else is deselected) in that order; ``ORCH_NO_BYTECODE``
stops Python from writing bytecode for what is imported after this plugin (test modules);
``ORCH_LIST_FILES`` makes ``--collect-only`` report only the files pytest would collect, without
importing them, so orch can split the real collection over several processes; ``ORCH_FILES`` names
a file of paths (relative to the working directory), one a line: every other file is ignored.
Narrowing by ``ORCH_FILES`` instead of by command-line arguments matters: pytest re-collects
a file's whole directory for each file argument, which is quadratic in big test folders.
``ORCH_REPORT_COLLECTED`` makes a run (not only ``--collect-only``) report the tests it collected
before the first one starts: orch then discovers and runs a small application in one process.
``ORCH_PARTITION`` ``i/n`` keeps share ``i`` of ``n`` of the collected tests: processes that
collect the same tests split them with no list from orch (an application without history).
``ORCH_COVERAGE`` names a coverage.py data file: each test's executed lines are recorded there
under the test's nodeid as dynamic context. coverage.py is imported only then; when the app's
interpreter lacks it, a ``coverage-missing`` event says so and the tests run all the same.
``ORCH_STACKS`` names a file that gets the stack of every thread (faulthandler) when the process
crashes (SIGSEGV, SIGABRT, ...) or receives SIGUSR1, which orch sends before a timeout kill.
``ORCH_OUTPUT_LIMITS`` (``"HEAD TAIL"``, default 65536 each) is how many characters of the start and
of the end of each captured output, trace and message are sent: a test printing 100 MiB sends
about 128 KiB, and neither the event file nor orch ever holds the rest.
``ORCH_HELD`` (set by an executor that starts a process held) makes the process wait, once
pytest and its plugins are imported and before any conftest or test of the application, until its
standard input ends: orch starts the next shard that way while another one runs, and lets it go
on when a worker is free. pytest's capture takes over fd 0 before conftests load, so the plugin
keeps its own copy of the input from its import.
``ORCH_RETURN``, ``ORCH_OUTPUTS`` and ``ORCH_ARGUMENTS`` (set when orch runs the test as a step of
a cross-application flow) load ``orch_pytest_flow``, which says what each does; the
``orch_outputs`` fixture is here, so a test using it runs in any orch run, flow step or not.
Every nodeid and file name this plugin sends, and every one it is given, is one line of valid
text (``_plain``): a file name that is not UTF-8 or holds a newline is written with escapes.
"""

from __future__ import annotations

import atexit
import faulthandler
import functools
import json
import os
import re
import signal
import sys
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii as _quote

import pytest

if os.environ.get("ORCH_NO_BYTECODE"):
    sys.dont_write_bytecode = True  # discovery leaves no __pycache__ in the app's tree


def _held_input() -> list[int]:
    """A copy of fd 0 to wait on when ``ORCH_HELD`` asks for it (none without); the variable
    goes, so the tests and what they start never see it."""
    if not os.environ.pop("ORCH_HELD", ""):
        return []
    try:
        return [os.dup(0)]
    except OSError:
        return []


_HOLD = _held_input()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Wait for the end of the input when held: the application's own code starts after it."""
    if not _HOLD:
        return
    held = _HOLD.pop()
    try:
        while os.read(held, 512):
            pass
    except OSError:
        pass
    finally:
        os.close(held)


def pytest_configure(config: pytest.Config) -> None:
    """Register the event writer and the selector when orch asked for them through the env."""
    events = os.environ.get("ORCH_EVENTS")
    if events and not hasattr(config, "workerinput"):  # xdist workers: the controller reports
        out = open(events, "a", encoding="utf-8")  # noqa: SIM115 closed at unconfigure
        config.pluginmanager.register(_Reporter(out, config), "orch-events")
    select = os.environ.get("ORCH_SELECT")
    if select:
        with open(select, encoding="utf-8") as lines:
            wanted = [line.rstrip("\n") for line in lines if line.strip()]
        config.pluginmanager.register(_Selector(wanted), "orch-select")
    share = os.environ.get("ORCH_PARTITION")
    if share:
        index, parts = (int(number) for number in share.split("/"))
        config.pluginmanager.register(_Partition(index, parts), "orch-partition")
    only = os.environ.get("ORCH_FILES")
    if only:
        with open(only, encoding="utf-8") as lines:
            wanted = [line.rstrip("\n") for line in lines if line.strip()]
        config.pluginmanager.register(_OnlyFiles(wanted, config), "orch-only-files")
    if os.environ.get("ORCH_LIST_FILES") and events:
        config.pluginmanager.register(_FileLister(config), "orch-list-files")
    data_file = os.environ.get("ORCH_COVERAGE")
    if data_file:
        _start_coverage(config, data_file)
    stacks = os.environ.get("ORCH_STACKS")
    if stacks:
        config.pluginmanager.register(_StackWriter(stacks), "orch-stacks")
    if any(os.environ.get(name) for name in _FLOW_VARIABLES):
        config.pluginmanager.import_plugin("orch_pytest_flow")


_FLOW_VARIABLES = ("ORCH_RETURN", "ORCH_OUTPUTS", "ORCH_ARGUMENTS")
"""What orch sets for a flow step; without them the flow module is not even imported."""


@pytest.fixture
def orch_outputs(request: pytest.FixtureRequest) -> Iterator[dict]:
    """A dict of named values the test publishes for later steps of a cross-application flow
    (``orch_outputs["order_id"] = 7``): merged into ``$ORCH_OUTPUTS`` at teardown in a flow step,
    a dict nobody reads otherwise."""
    outputs: dict = {}
    yield outputs
    step = request.config.pluginmanager.get_plugin("orch-outputs")
    if step is not None:
        step.publish(outputs)


class _StackWriter:
    """Sends faulthandler's dumps (on a crash, or on SIGUSR1) to orch's file instead of stderr.

    Enabled at session start, after pytest's own faulthandler plugin pointed it at stderr, where
    the dump would end in ``<frozen runpy>`` lines among the test's output.
    """

    def __init__(self, path: str) -> None:
        self.out = open(path, "a", encoding="utf-8")  # noqa: SIM115 open until the process ends
        if hasattr(signal, "SIGUSR1"):
            faulthandler.register(signal.SIGUSR1, file=self.out, all_threads=True)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self) -> None:
        faulthandler.enable(file=self.out, all_threads=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Save the recorded coverage and close the event file."""
    recorder = config.pluginmanager.get_plugin("orch-coverage")
    if recorder is not None:
        recorder.save()
    reporter = config.pluginmanager.get_plugin("orch-events")
    if reporter is not None:
        reporter.out.close()


def _start_coverage(config: pytest.Config, data_file: str) -> None:
    """Measure the app's code (the directory pytest runs in) with coverage.py, per test.

    An xdist worker writes ``<data_file>.<worker id>``: the workers run the tests, each its own
    file. A missing or failing coverage.py becomes an event, never a failed test run.
    """
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        data_file = f"{data_file}.{worker['workerid']}"
    try:
        import coverage
    except ImportError:
        _report(config, {"event": "coverage-missing", "python": sys.executable})
        return
    if not hasattr(coverage.Coverage, "switch_context"):
        message = f"coverage.py {coverage.__version__} is too old (5.0 or newer is needed)"
        _report(config, {"event": "coverage-error", "python": sys.executable, "message": message})
        return
    root = str(config.invocation_params.dir)
    here = os.path.dirname(os.path.abspath(__file__))
    # A coverage.py already measuring this process (its start-up hook: orch's own suite measures
    # the shards it starts) stops saving at exit once another Coverage exists; it is saved then.
    measuring = getattr(coverage.Coverage, "current", lambda: None)()
    if measuring is not None:
        atexit.register(measuring.save)
    try:
        cov = coverage.Coverage(
            data_file=data_file,
            source=[root],
            omit=["*/site-packages/*", "*/.venv/*", "*/.orch/*", os.path.join(here, "*")],
            branch=False,
            config_file=False,
        )
        cov.set_option("run:disable_warnings", _QUIET)
        cov.start()
    except Exception as error:  # any failure of coverage.py is reported, not raised
        message = f"{type(error).__name__}: {error}"
        _report(config, {"event": "coverage-error", "python": sys.executable, "message": message})
        return
    config.pluginmanager.register(_CoverageRecorder(cov), "orch-coverage")


_QUIET = ["already-imported", "module-not-imported", "no-data-collected", "module-not-measured"]
"""coverage.py warnings that only say the app's code was imported before or not at all."""


def _report(config: pytest.Config, event: dict) -> None:
    """Write one event at once, when this process has the event file open."""
    reporter = config.pluginmanager.get_plugin("orch-events")
    if reporter is not None:
        reporter.write(event)
        reporter.out.flush()


class _CoverageRecorder:
    """Switches coverage.py's dynamic context to each test's nodeid while the test runs."""

    def __init__(self, cov) -> None:
        self.cov = cov

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item):
        self.cov.switch_context(_plain(item.nodeid))  # setup, call and teardown count for it
        yield
        self.cov.switch_context("")

    def save(self) -> None:
        """Stop measuring and write the data file."""
        self.cov.stop()
        self.cov.save()


class _Selector:
    """Keeps only the wanted items, in the wanted order."""

    def __init__(self, wanted: list[str]) -> None:
        self.order = {nodeid: index for index, nodeid in enumerate(wanted)}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list) -> None:
        order = self.order
        named = [(_plain(item.nodeid), item) for item in items]
        kept = [(name, item) for name, item in named if name in order]
        if len(kept) != len(items):
            dropped = [item for name, item in named if name not in order]
            config.hook.pytest_deselected(items=dropped)
        kept.sort(key=lambda pair: order[pair[0]])
        items[:] = [item for _, item in kept]


class _Partition:
    """Keeps the ``index``-th of ``parts`` equal runs of the collected items in nodeid order.

    Runs of neighbours keep a file's tests together (its module fixtures set up once, not in
    every process). nodeid order, not collection order: a plugin that shuffles (pytest-randomly)
    may order each process differently, and the shares must still be disjoint and cover it all.
    """

    def __init__(self, index: int, parts: int) -> None:
        self.index, self.parts = index, parts

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list) -> None:
        ranked = sorted(range(len(items)), key=lambda position: items[position].nodeid)
        start, end = (len(items) * k // self.parts for k in (self.index, self.index + 1))
        mine = set(ranked[start:end])
        dropped = [item for position, item in enumerate(items) if position not in mine]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = [item for position, item in enumerate(items) if position in mine]


class _OnlyFiles:
    """Ignores every file and folder that is not one of the wanted files or one of their folders."""

    def __init__(self, wanted: list[str], config: pytest.Config) -> None:
        base = _plain(str(config.invocation_params.dir))
        self.files = {os.path.normpath(os.path.join(base, name)) for name in wanted}
        self.folders: set[str] = set()
        for name in self.files:
            folder = os.path.dirname(name)
            while folder not in self.folders and folder != os.path.dirname(folder):
                self.folders.add(folder)
                folder = os.path.dirname(folder)

    @pytest.hookimpl(tryfirst=True)
    def pytest_ignore_collect(self, collection_path):
        path = _plain(str(collection_path))
        if path in self.files or path in self.folders:
            return None
        return True


class _FileLister:
    """Notes each file some collector claims and collects nothing from it (nothing is imported)."""

    def __init__(self, config: pytest.Config) -> None:
        self.invocation_dir = str(config.invocation_params.dir)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collect_file(self, file_path, parent):
        outcome = yield
        if any(outcome.get_result() or ()):
            reporter = parent.config.pluginmanager.get_plugin("orch-events")
            relative = os.path.relpath(str(file_path), self.invocation_dir)
            reporter.write({"event": "file", "file": _plain(relative.replace(os.sep, "/"))})
        outcome.force_result([])


class _Reporter:
    """Writes one JSON object per line as things happen.

    Lines are flushed when a test starts, when something goes wrong and at the end: a passed
    phase waits for the next flush (at most until the next test starts), so a test costs one write.
    A passed setup or call with nothing to report (no output, no trace, no xfail reason) gets no
    line: its duration is added to the test's next one, the teardown at the latest, so a passing
    test is two lines (start and teardown).
    """

    def __init__(self, out, config: pytest.Config) -> None:
        self.out = out
        self.rootpath = str(config.rootpath)
        self.invocation_dir = str(config.invocation_params.dir)
        self.collect_only = config.option.collectonly
        self.report_collected = self.collect_only or bool(os.environ.get("ORCH_REPORT_COLLECTED"))
        self.item = None
        self.exc_type = None
        self.markers: tuple[str, list[str]] = ("", [])
        self.carried = 0.0  # seconds of this test's passed phases that got no line of their own
        self.head, self.tail = _output_limits()
        self.files: dict[str, str] = {}  # a nodeid's file part -> file_of

    def write(self, event: dict) -> None:
        self.out.write(json.dumps(event) + "\n")

    def cut(self, text: str) -> str:
        """``text`` whole when short, else its head and tail and how much was cut between them.

        Said exactly as orch's ``orch.core.shared.output_limits.cut`` says it (this module cannot
        import orch), so orch sees a text cut here as short enough and leaves it as it is.
        """
        excess = len(text) - self.head - self.tail
        if excess <= _MARKER_ROOM:
            return text
        tail = text[len(text) - self.tail :] if self.tail else ""
        return f"{text[: self.head]}\n… {excess:,} characters cut …\n{tail}"

    def file_of(self, nodeid: str) -> str:
        """The nodeid's file relative to the directory pytest was started in (worked out once
        per file: ``relpath`` is most of the cost of a collected test's line)."""
        name = nodeid.split("::", 1)[0]
        found = self.files.get(name)
        if found is None:
            path = os.path.join(self.rootpath, name)
            found = _plain(os.path.relpath(path, self.invocation_dir).replace(os.sep, "/"))
            self.files[name] = found
        return found

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self.report_collected:
            return
        for item in session.items:
            nodeid = _plain(item.nodeid)
            self.write(
                {
                    "event": "collected",
                    "nodeid": nodeid,
                    "file": self.file_of(nodeid),
                    "markers": _markers(item),
                    "fixtures": getattr(item, "fixturenames", None),
                }
            )
        self.out.flush()

    def pytest_collectreport(self, report) -> None:
        if report.passed:
            return
        text, message = (self.cut(part) for part in _describe(report, None))
        self.write(
            {
                "event": "collecterror",
                "nodeid": _plain(report.nodeid),
                "file": self.file_of(report.nodeid),
                "outcome": report.outcome,
                "longrepr": text,
                "message": message,
            }
        )
        self.out.flush()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.carried = 0.0  # what a test that never got to its teardown carried is not this one's
        self.out.write('{"event": "start", "nodeid": ' + _quote(_plain(nodeid)) + "}\n")
        self.out.flush()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call) -> None:
        self.item = item
        self.exc_type = call.excinfo.typename if call.excinfo is not None else None

    def pytest_runtest_logreport(self, report) -> None:
        nodeid = _plain(report.nodeid)
        when = report.when
        outcome = report.outcome
        extra: dict[str, object] = {}
        if report.longrepr is not None:
            text, message = _describe(report, self.exc_type)
            extra["longrepr"], extra["message"] = self.cut(text), self.cut(message)
        wasxfail = getattr(report, "wasxfail", None)
        if wasxfail is not None:
            extra["wasxfail"] = wasxfail
        for title, content in report.sections:
            if content and title == f"Captured stdout {when}":
                extra["stdout"] = self.cut(content)
            elif content and title == f"Captured stderr {when}":
                extra["stderr"] = self.cut(content)
        if outcome == "passed" and not extra and when != "teardown":
            # a passed phase with nothing to say rides on the test's next line: its duration is
            # all orch would read of it, and a line fewer is parsing saved for every test
            self.carried += report.duration
            return
        markers = self.markers_of(nodeid)
        if markers:
            extra["markers"] = markers
        duration, self.carried = float(report.duration) + self.carried, 0.0
        # Formatted by hand: json.dumps of the whole event would be most of this plugin's cost.
        line = (
            f'{{"event": "phase", "nodeid": {_quote(nodeid)}, "when": {_quote(when)}, '
            f'"outcome": {_quote(outcome)}, "duration": {duration!r}'
        )
        self.out.write(f"{line}, {json.dumps(extra)[1:]}\n" if extra else line + "}\n")
        if outcome != "passed":
            self.out.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        self.out.flush()

    def markers_of(self, nodeid: str) -> list[str]:
        """Marker names of the test being reported (``nodeid`` as sent: ``_plain``), computed
        once per test."""
        if self.markers[0] != nodeid:
            item = self.item
            self.markers = (
                nodeid,
                _markers(item) if item is not None and _plain(item.nodeid) == nodeid else [],
            )
        return self.markers[1]


_MARKER_ROOM = 80
"""As ``orch.core.shared.output_limits.MARKER_ROOM``: a text this much over the limits is kept
whole."""


def _output_limits() -> tuple[int, int]:
    """(head, tail) from ``ORCH_OUTPUT_LIMITS``; 65536 each when it is unset or not two numbers."""
    try:
        head, tail = (int(part) for part in os.environ.get("ORCH_OUTPUT_LIMITS", "").split())
    except ValueError:
        return 65536, 65536
    return max(head, 0), max(tail, 0)


@functools.cache
def _unplain() -> re.Pattern[str]:
    """What a name sent to orch must not hold raw: control characters (a newline would split a
    line of ``ORCH_SELECT``) and lone surrogates (how Python names a file whose name is not UTF-8).

    Compiled when first needed: the surrogate range makes ``re`` build a 64 K bitmap (about 5 ms,
    in every shard), and printable names, nearly all of them, never need it.
    """
    return re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _plain(name: str) -> str:
    """``name`` as orch knows it: each control character or lone surrogate written as ``\\x0a`` or
    ``\\udcff`` (as ``orch.core.shared.untrusted_text.escape`` writes them), so it is one line of
    text every writer can encode; orch gives names back in this form, compared with ``_plain``
    again."""
    if name.isprintable():
        return name
    return _unplain().sub(_escaped, name)


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _markers(item) -> list[str]:
    return list(dict.fromkeys(mark.name for mark in item.iter_markers()))


def _describe(report, exc_type: str | None) -> tuple[str, str]:
    """The full text of a report's longrepr and its one-line reason."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, lineno, "Skipped: reason")
        path, lineno, reason = longrepr
        reason = reason[len("Skipped: ") :] if reason.startswith("Skipped: ") else reason
        return f"{path}:{lineno + 1}: {reason}", reason
    text = report.longreprtext
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        message = crash.message.split("\n", 1)[0]
        named = message.split(":", 1)[0]  # pytest qualifies types outside builtins
        if exc_type and named != exc_type and not named.endswith("." + exc_type):
            message = f"{exc_type}: {message}"
        return text, message
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    return text, (errors or lines or [""])[-1]
