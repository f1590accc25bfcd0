"""Safety and size of ``orch select``, measured by mutation on real code.

Each subject (the demo's payment and inventory services; orch's own core and ports with its unit
tests) is copied into a fresh git repository. One small fault at a time is injected into its
source (a flipped comparison, ``and``/``or``, ``True``/``False``, an integer plus one, ``+``/``-``,
a dropped statement), the full suite runs to see which tests fail, and ``orch select --base HEAD``
is asked, once per strategy configuration, which tests the change can break. Reported per
strategy and for two baselines (all tests; the test files named after the changed module): the
share of faults for which at least one failing test was selected (safety, target >= 99% for the
combined default), the share of all failing tests selected, and the mean share of the suite
selected (size). Exit 0 when the target holds, 1 when it is missed, 2 when the run is invalid
(a subject could not be set up, or ``orch select`` failed on a mutant).
"""

from __future__ import annotations

import argparse
import ast
import bisect
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import asdict, dataclass, field
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_APPS = ROOT / "contrib" / "demo" / "apps"

CONFIGS = {
    "imports": ["imports"],
    "coverage": ["coverage"],
    "mapping": ["mapping"],
    "combined": None,
}
"""Strategy configurations: ``select.strategies`` of each (None: orch's combined default)."""

NAMED = "named after module"
EVERYTHING = "all tests"
COLUMNS = (*CONFIGS, NAMED, EVERYTHING)

SAFETY_TARGET = 0.99
"""Share of killed mutants for which the combined selection must hold at least one failing test."""

TEST_TIMEOUT = 15
"""Seconds per test (pytest-timeout): a mutant that makes one test hang fails that test."""

PLUGIN = "mutation_bench_events"
PLUGIN_SOURCE = '''
"""Writes every test's outcome as one JSON line as it happens (a crash loses nothing)."""
import json, os

_OUT = open(os.environ["MUTATION_BENCH_EVENTS"], "a", encoding="utf-8", buffering=1)


def _write(**event):
    _OUT.write(json.dumps(event) + "\\n")


def pytest_collection_finish(session):
    _write(kind="collected", ids=[item.nodeid for item in session.items])


def pytest_collectreport(report):
    if report.failed:
        _write(kind="collect-error", id=report.nodeid)


def pytest_runtest_logreport(report):
    if report.failed:
        _write(kind="failed", id=report.nodeid)
    elif report.when == "call" or report.skipped:
        _write(kind="ok", id=report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    _write(kind="finished", status=int(exitstatus))
'''


class Invalid(Exception):
    """The benchmark cannot measure this subject (setup failed): the figures would mean nothing."""


# -- subjects --------------------------------------------------------------------------------


@dataclass
class Subject:
    """One code base under mutation: its repository copy and how its suite runs."""

    name: str
    root: Path
    tests_dir: str
    suite_args: list[str]
    pythonpath: list[str]
    mutable: list[str]
    canary: str
    mapping_rules: list[dict[str, str]]
    reset: list[str] = field(default_factory=list)


DEFAULT_MUTANTS = {"payment-service": 40, "inventory-service": 40, "orch": 60}
SUBJECT_GROUPS = {"demo": ["payment-service", "inventory-service"], "orch": ["orch"]}


def make_subject(name: str, work: Path) -> Subject:
    """Copy the subject ``name`` into ``work/name`` and describe it (not yet committed)."""
    root = work / name
    if name == "orch":
        parts = ["pyproject.toml", "ports", "core", "cli", "testing", "adapters", "tests/unit"]
        # builds wheels with uv from PyPI: slow, needs the network, and no core fault reaches it
        _copy(parts, root, exclude={"tests/unit/test_packaging.py"})
        sources = sorted(p.parent for p in root.glob("**/src/orch") if p.is_dir())
        mutable = sorted(
            str(p.relative_to(root))
            for pattern in ("core/src/orch/core/**/*.py", "ports/src/orch/ports/*.py")
            for p in root.glob(pattern)
        )
        return Subject(
            name,
            root,
            tests_dir="tests/unit",
            suite_args=["tests/unit"],
            pythonpath=[str(s) for s in sources],
            mutable=mutable,
            canary="ports/src/orch/ports/__init__.py",
            mapping_rules=[
                {
                    "source": r"core/src/orch/core/(?:.*/)?(.*)\.py",
                    "tests": "tests/unit/test_{1}*.py",
                },
                {"source": r"core/src/orch/core/(.*)/.*\.py", "tests": "tests/unit/test_{1}*.py"},
                {"source": r"ports/src/orch/ports/(.*)\.py", "tests": "tests/unit/test_{1}*.py"},
            ],
        )
    package = {"payment-service": "payment", "inventory-service": "inventory"}[name]
    app = DEMO_APPS / name
    _copy([str(app.relative_to(ROOT))], root, strip=str(app.relative_to(ROOT)) + "/")
    rules = [{"source": rf"src/{package}/(.*)\.py", "tests": "tests/test_{1}*.py"}]
    if package == "payment":  # the processor's tests are named after what it does
        rules += [
            {"source": r"src/payment/processor\.py", "tests": "tests/test_charges.py"},
            {"source": r"src/payment/processor\.py", "tests": "tests/test_refunds.py"},
        ]
    else:  # the search index is built from the catalog
        rules += [{"source": r"src/inventory/catalog\.py", "tests": "tests/test_search.py"}]
    return Subject(
        name,
        root,
        tests_dir="tests",
        suite_args=[],
        pythonpath=[],
        mutable=sorted(str(p.relative_to(root)) for p in (root / "src" / package).glob("*.py")),
        canary=f"src/{package}/__init__.py",
        mapping_rules=rules,
        reset=[".cache"],  # the flaky search test's state: cold on every run
    )


def _copy(
    parts: list[str], dest: Path, exclude: frozenset[str] | set[str] = frozenset(), strip: str = ""
) -> None:
    """Copy the files git sees under ``parts`` of the repository (tracked or new, not ignored)
    to ``dest``, their paths without the prefix ``strip``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *parts],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if name in exclude or not (ROOT / name).is_file():
            continue
        target = dest / name.removeprefix(strip)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def commit_subject(subject: Subject) -> None:
    """Write the workflows and .gitignore into the copy; commit it as the base of every change."""
    ignore = subject.root / ".gitignore"
    existing = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    ignore.write_text(existing + "__pycache__/\n*.pyc\n.cache/\n.orch/\n", encoding="utf-8")
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    if subject.pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(subject.pythonpath)
    for config, strategies in CONFIGS.items():
        select: dict = {"mapping_rules": subject.mapping_rules}
        if strategies is not None:
            select["strategies"] = strategies
        app = {
            "path": ".",
            "runner": {"pytest": {"args": subject.suite_args}},
            "env": env,
            "select": select,
        }
        workflow = {"applications": {subject.name: app}, "execution": {"workers": 2}}
        (subject.root / f"orch-{config}.yaml").write_text(json.dumps(workflow, indent=2) + "\n")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    git += ["-c", "commit.gpgsign=false"]
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "base"]):
        subprocess.run(git + argv, cwd=subject.root, check=True, capture_output=True)


def dirty_files(subject: Subject) -> list[str]:
    """Files of the copy that differ from its commit (untracked ones too)."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=subject.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line[3:] for line in status.splitlines()]


# -- running the suite -----------------------------------------------------------------------


@dataclass
class SuiteRun:
    """What one full run of a subject's suite did."""

    collected: list[str]
    failed: set[str]
    ok: set[str]
    collect_errors: list[str]
    finished: bool
    returncode: int
    seconds: float
    timed_out: bool = False

    def failing(self, suite: list[str]) -> set[str]:
        """Tests that failed or errored; with a broken collection or crash, those that never ran."""
        failing = set(self.failed)
        for prefix in self.collect_errors:
            failing |= {t for t in suite if _under(t, prefix)}
        if not self.finished or self.returncode not in (0, 1):
            failing |= {t for t in suite if t not in self.ok}
        return failing


def _under(test: str, prefix: str) -> bool:
    return not prefix or test == prefix or test.startswith((prefix + "::", prefix + "/"))


def run_suite(subject: Subject, scratch: Path, timeout: float) -> SuiteRun:
    """Run the subject's whole suite in a new process group; kill it after ``timeout`` seconds."""
    for directory in subject.reset:
        shutil.rmtree(subject.root / directory, ignore_errors=True)
    events = scratch / "events.jsonl"
    events.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(scratch / "plugin"), *subject.pythonpath])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a same-size mutant in the same second reuses no .pyc
    env["MUTATION_BENCH_EVENTS"] = str(events)
    argv = [sys.executable, "-m", "pytest", *subject.suite_args, "-q", "-p", "no:cacheprovider"]
    argv += ["-p", PLUGIN, "--continue-on-collection-errors"]
    if find_spec("pytest_timeout") is not None:
        argv += [f"--timeout={TEST_TIMEOUT}"]
    started = time.monotonic()
    with open(scratch / "suite.log", "wb") as log:
        process = subprocess.Popen(
            argv, cwd=subject.root, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            returncode = process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return SuiteRun([], set(), set(), [], False, -9, time.monotonic() - started, True)
    return _read_events(events, returncode, time.monotonic() - started)


def _read_events(events: Path, returncode: int, seconds: float) -> SuiteRun:
    run = SuiteRun([], set(), set(), [], False, returncode, seconds)
    lines = events.read_text(encoding="utf-8").splitlines() if events.exists() else []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:  # the last line of a killed run
            continue
        if event["kind"] == "collected":
            run.collected = event["ids"]
        elif event["kind"] == "collect-error":
            run.collect_errors.append(event["id"])
        elif event["kind"] == "failed":
            run.failed.add(event["id"])
        elif event["kind"] == "ok":
            run.ok.add(event["id"])
        elif event["kind"] == "finished":
            run.finished = True
    run.ok -= run.failed
    return run


# -- mutants ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One small edit of one source file, between two (line, column) positions."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int
    replacement: str
    operator: str
    description: str

    def apply(self, text: str) -> str:
        """``text`` with this edit made."""
        starts = _line_starts(text)
        begin = starts[self.line - 1] + self.col
        end = starts[self.end_line - 1] + self.end_col
        return text[:begin] + self.replacement + text[end:]


COMPARISONS = {
    ast.Lt: ("<", ">="),
    ast.GtE: (">=", "<"),
    ast.LtE: ("<=", ">"),
    ast.Gt: (">", "<="),
    ast.Eq: ("==", "!="),
    ast.NotEq: ("!=", "=="),
}
ARITHMETIC = {ast.Add: ("+", "-"), ast.Sub: ("-", "+")}
BOOLEANS = {ast.And: ("and", "or"), ast.Or: ("or", "and")}
DROPPABLE = (
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Raise, ast.Assert,
    ast.Delete, ast.Break, ast.Continue,
)  # fmt: skip


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


class _Source:
    """A file's text, tokens and tree, to turn AST positions into minimal text edits."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = text.split("\n")
        self.tree = ast.parse(text)
        self.tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type in (tokenize.OP, tokenize.NAME)
        ]
        self.token_starts = [t.start for t in self.tokens]

    def start(self, node: ast.AST) -> tuple[int, int]:
        """Where ``node`` starts: (line, character column)."""
        return node.lineno, self._chars(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> tuple[int, int]:
        """Where ``node`` ends: (line, character column)."""
        line = node.end_lineno  # type: ignore[attr-defined]
        return line, self._chars(line, node.end_col_offset)  # type: ignore[attr-defined]

    def _chars(self, line: int, byte_col: int) -> int:
        """ast columns count UTF-8 bytes; the text is edited by characters."""
        return len(self.lines[line - 1].encode()[:byte_col].decode(errors="ignore"))

    def token_between(self, left: ast.AST, right: ast.AST, text: str) -> tokenize.TokenInfo | None:
        """The first ``text`` token after ``left`` ends and before ``right`` starts."""
        begin, end = self.end(left), self.start(right)
        index = bisect.bisect_left(self.token_starts, begin)
        for token in self.tokens[index:]:
            if token.start >= end:
                return None
            if token.string == text:
                return token
        return None

    def segment(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """The text between two (line, character column) positions."""
        starts = _line_starts(self.text)
        return self.text[starts[start[0] - 1] + start[1] : starts[end[0] - 1] + end[1]]


def mutants_of(path: str, text: str) -> list[Mutant]:
    """Every mutant of one file that still parses."""
    source = _Source(path, text)
    annotations = _annotation_nodes(source.tree)
    found: list[Mutant] = []
    for node in ast.walk(source.tree):
        if id(node) in annotations:
            continue
        found += _operator_mutants(source, node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += _drop_mutants(source, node.body)
    valid = []
    for mutant in found:
        try:
            ast.parse(mutant.apply(text))
        except SyntaxError:
            continue
        valid.append(mutant)
    return valid


def _annotation_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        for name in ("annotation", "returns"):
            annotation = getattr(node, name, None)
            if isinstance(annotation, ast.AST):
                inside.update(id(n) for n in ast.walk(annotation))
    return inside


def _operator_mutants(source: _Source, node: ast.AST) -> list[Mutant]:
    pairs: list[tuple[ast.AST, ast.AST, str, str, str]] = []
    if isinstance(node, ast.Compare):
        lefts = [node.left, *node.comparators[:-1]]
        for op, left, right in zip(node.ops, lefts, node.comparators, strict=True):
            if type(op) in COMPARISONS:
                pairs.append((left, right, *COMPARISONS[type(op)], "comparison"))
    elif isinstance(node, ast.BoolOp):
        for left, right in zip(node.values, node.values[1:], strict=False):
            pairs.append((left, right, *BOOLEANS[type(node.op)], "boolean"))
    elif isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        pairs.append((node.left, node.right, *ARITHMETIC[type(node.op)], "arithmetic"))
    elif isinstance(node, ast.AugAssign) and type(node.op) in ARITHMETIC:
        old, new = ARITHMETIC[type(node.op)]
        pairs.append((node.target, node.value, old + "=", new + "=", "arithmetic"))
    elif isinstance(node, ast.Constant):
        return _constant_mutants(source, node)
    mutants = []
    for left, right, old, new, operator in pairs:
        token = source.token_between(left, right, old)
        if token is not None:
            (line, col), (end_line, end_col) = token.start, token.end
            mutants.append(
                Mutant(source.path, line, col, end_line, end_col, new, operator, f"{old} -> {new}")
            )
    return mutants


def _constant_mutants(source: _Source, node: ast.Constant) -> list[Mutant]:
    start, end = source.start(node), source.end(node)
    written = source.segment(start, end)
    if isinstance(node.value, bool):
        if written != str(node.value):
            return []
        new, operator = str(not node.value), "boolean"
    elif type(node.value) is int:
        try:
            if ast.literal_eval(written) != node.value:
                return []
        except (ValueError, SyntaxError):
            return []
        new, operator = str(node.value + 1), "number"
    else:
        return []
    return [Mutant(source.path, *start, *end, new, operator, f"{written} -> {new}")]


def _drop_mutants(source: _Source, body: list[ast.stmt]) -> list[Mutant]:
    """Each simple statement of a function body (nested blocks too) replaced by ``pass``."""
    mutants = []
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # their own bodies are visited as functions
        for name in ("body", "orelse", "finalbody"):
            mutants += _drop_mutants(source, getattr(statement, name, []))
        for handler in getattr(statement, "handlers", []):
            mutants += _drop_mutants(source, handler.body)
        for case in getattr(statement, "cases", []):
            mutants += _drop_mutants(source, case.body)
        if not isinstance(statement, DROPPABLE) or _is_docstring(statement):
            continue
        if isinstance(statement, ast.AnnAssign) and statement.value is None:
            continue
        (line, col), (end_line, end_col) = source.start(statement), source.end(statement)
        before = source.lines[line - 1][:col]
        after = source.lines[end_line - 1][end_col:].strip()
        if before.strip() or (after and not after.startswith("#")):
            continue  # shares its line with other code (``a; b``): not a line-sized edit
        first = source.lines[line - 1].strip()
        shown = first if len(first) <= 60 else first[:57] + "..."
        mutants.append(
            Mutant(
                source.path,
                line,
                col,
                end_line,
                end_col,
                "pass" + "\n" * (end_line - line),  # the same line numbers after it
                "drop",
                f"drop `{shown}`",
            )
        )
    return mutants


def _read(path: Path) -> str:
    """A source file's text exactly as stored (line endings untranslated)."""
    with open(path, encoding="utf-8", newline="") as stream:
        return stream.read()


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def sample_mutants(subject: Subject, count: int, seed: int) -> list[Mutant]:
    """A reproducible random sample of ``count`` mutants over the subject's mutable files."""
    every = []
    for path in subject.mutable:
        text = _read(subject.root / path)
        every += mutants_of(path, text)
    every.sort(key=lambda m: (m.file, m.line, m.col, m.operator, m.replacement))
    rng = random.Random(f"{seed}:{subject.name}")
    kinds: dict[str, list[Mutant]] = {}
    for mutant in every:
        kinds.setdefault(mutant.operator, []).append(mutant)
    for group in kinds.values():
        rng.shuffle(group)
    # round robin over the kinds of fault, so the many statements do not crowd out the rest
    chosen: list[Mutant] = []
    while len(chosen) < count and any(kinds.values()):
        for name in sorted(kinds):
            if kinds[name] and len(chosen) < count:
                chosen.append(kinds[name].pop())
    return sorted(chosen, key=lambda m: (m.file, m.line, m.col))


# -- selection -------------------------------------------------------------------------------


def orch_env(home: Path) -> dict[str, str]:
    """orch's environment: its own installation (never the copy's code) and this state dir."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("ORCH_")}
    env["ORCH_HOME"] = str(home)
    return env


def record_coverage(subject: Subject, orch: str, home: Path, scratch: Path) -> float:
    """One ``orch run --record-coverage`` on the clean tree, into ``home``; returns its seconds."""
    for directory in subject.reset:
        shutil.rmtree(subject.root / directory, ignore_errors=True)
    workflow = subject.root / "orch-combined.yaml"
    argv = [orch, "run", str(subject.root), "-w", str(workflow), "--record-coverage"]
    argv += ["--format", "json", "--json", str(scratch / "coverage-run.json")]
    started = time.monotonic()
    done = subprocess.run(argv, env=orch_env(home), capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise Invalid(
            f"{subject.name}: recording coverage failed ({' '.join(argv)}, exit "
            f"{done.returncode}):\n{done.stderr[-3000:]}"
        )
    return time.monotonic() - started


@dataclass
class Picked:
    """What one strategy configuration selected for one mutant."""

    ids: list[str]
    reasons: dict[str, list[str]]
    whole_app: bool = False
    app_reasons: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    returncode: int = 0
    seconds: float = 0.0
    error: str = ""


def select_all(subject: Subject, orch: str, homes: dict[str, Path], scratch: Path) -> dict:
    """``orch select`` once per configuration, all at once (each has its own ORCH_HOME); one
    that gives no JSON report is tried once more, alone."""
    picked = _select(subject, orch, homes, scratch, list(CONFIGS))
    failed = [config for config, result in picked.items() if result.error]
    if failed:
        time.sleep(2)
        picked.update(_select(subject, orch, homes, scratch, failed))
    return picked


def _select(
    subject: Subject, orch: str, homes: dict[str, Path], scratch: Path, configs: list[str]
) -> dict[str, Picked]:
    running = {}
    for config in configs:
        workflow = subject.root / f"orch-{config}.yaml"
        argv = [orch, "select", str(subject.root), "-w", str(workflow), "--base", "HEAD"]
        out = open(scratch / f"select-{config}.json", "w+b")  # noqa: SIM115 - closed below
        err = open(scratch / f"select-{config}.err", "w+b")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [*argv, "--format", "json"], env=orch_env(homes[config]), stdout=out, stderr=err
        )
        running[config] = (process, out, err, time.monotonic())
    picked = {}
    for config, (process, out, err, started) in running.items():
        returncode = process.wait()
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        out.close()
        err.close()
        picked[config] = _parse_selection(subject, stdout, stderr, returncode, seconds)
    return picked


def _parse_selection(
    subject: Subject, stdout: str, stderr: str, returncode: int, seconds: float
) -> Picked:
    try:
        report = json.loads(stdout)
    except ValueError:
        return Picked([], {}, returncode=returncode, seconds=seconds, error=stderr.strip()[-2000:])
    app = report.get("apps", {}).get(subject.name, {})
    return Picked(
        ids=[t["id"] for t in report["selected"]],
        reasons={t["id"]: t["reasons"] for t in report["selected"]},
        whole_app=app.get("whole_app", False),
        app_reasons=app.get("reasons", []),
        problems=app.get("problems", []),
        returncode=returncode,
        seconds=seconds,
    )


def is_selected(test: str, selected: set[str]) -> bool:
    """A pytest id is selected by itself, its function (parametrised), class or file."""
    if test in selected:
        return True
    base = test.split("[", 1)[0]
    if base in selected:
        return True
    parts = base.split("::")
    return any("::".join(parts[:n]) in selected for n in range(1, len(parts)))


def named_after(subject: Subject, module_path: str, suite: list[str]) -> set[str]:
    """The baseline: tests in ``test_<module>.py`` / ``test_<module>_*.py`` under the tests dir
    (a package's ``__init__.py`` is named after the package)."""
    path = Path(module_path)
    module = path.parent.name if path.stem == "__init__" else path.stem
    pattern = re.compile(rf"test_{re.escape(module)}(_[^/]*)?\.py")
    prefix = subject.tests_dir.rstrip("/") + "/"
    chosen = set()
    for test in suite:
        file = test.split("::", 1)[0]
        if file.startswith(prefix) and pattern.fullmatch(file.rsplit("/", 1)[-1]):
            chosen.add(test)
    return chosen


# -- the benchmark ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """One mutant's result: how the suite took it and what each column selected."""

    mutant: Mutant
    status: str
    seconds: float
    failing: list[str] = field(default_factory=list)
    picked: dict[str, Picked] = field(default_factory=dict)
    scores: dict[str, dict] = field(default_factory=dict)


def benchmark_subject(subject: Subject, count: int, seed: int, orch: str, work: Path) -> dict:
    """Baseline, canary, coverage map, then every sampled mutant of one subject."""
    scratch = work / f"{subject.name}-scratch"
    (scratch / "plugin").mkdir(parents=True)
    (scratch / "plugin" / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    commit_subject(subject)
    first = run_suite(subject, scratch, 600)
    second = run_suite(subject, scratch, 600)
    suite = sorted(first.collected)
    if not suite or sorted(second.collected) != suite:
        raise Invalid(
            f"{subject.name}: the suite collected nothing, or differently twice; see "
            f"{scratch / 'suite.log'}"
        )
    baseline_failing = first.failing(suite) | second.failing(suite)
    timeout = max(90.0, 15 * max(first.seconds, second.seconds))
    _log(
        f"{subject.name}: {len(suite)} tests, {len(baseline_failing)} failing without any "
        f"mutant, {first.seconds:.1f} s per run"
    )
    check_canary(subject, scratch, suite, baseline_failing, timeout)
    homes = {config: work / f"{subject.name}-home-{config}" for config in CONFIGS}
    base_home = work / f"{subject.name}-home"
    coverage_seconds = record_coverage(subject, orch, base_home, scratch)
    for directory in subject.reset:
        shutil.rmtree(subject.root / directory, ignore_errors=True)
    if dirty_files(subject):
        raise Invalid(
            f"{subject.name}: running the suite changed files of the copy, which would "
            f"be part of every change: {dirty_files(subject)[:10]}"
        )
    for home in homes.values():
        shutil.copytree(base_home, home)
    mutants = sample_mutants(subject, count, seed)
    bench = Bench(subject, suite, baseline_failing, timeout, orch, homes, scratch)
    outcomes = []
    for number, mutant in enumerate(mutants, start=1):
        outcome = try_mutant(bench, mutant)
        outcomes.append(outcome)
        _log(
            f"[{subject.name} {number}/{len(mutants)}] {_where(mutant)} {mutant.description}: "
            f"{_status_line(outcome)}"
        )
    return {
        "name": subject.name,
        "suite": len(suite),
        "baseline_failing": sorted(baseline_failing),
        "suite_seconds": round(first.seconds, 2),
        "coverage_record_seconds": round(coverage_seconds, 2),
        "mutable_files": subject.mutable,
        "mapping_rules": subject.mapping_rules,
        "outcomes": outcomes,
    }


def check_canary(
    subject: Subject, scratch: Path, suite: list[str], baseline: set[str], timeout: float
) -> None:
    """A fault in the copy must fail most of the suite: proof that the copy is what runs."""
    path = subject.root / subject.canary
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\nraise RuntimeError('mutation benchmark canary')\n")
    try:
        run = run_suite(subject, scratch, timeout)
    finally:
        path.write_text(original, encoding="utf-8")
    broken = run.failing(suite) - baseline
    if len(broken) < len(suite) / 2:
        raise Invalid(
            f"{subject.name}: a fault raised in {subject.canary} failed only "
            f"{len(broken)} of {len(suite)} tests: the suite does not run the copy"
        )


@dataclass
class Bench:
    """What every mutant of one subject is measured against."""

    subject: Subject
    suite: list[str]
    baseline: set[str]
    timeout: float
    orch: str
    homes: dict[str, Path]
    scratch: Path

    def failing(self) -> set[str] | None:
        """Tests the current working tree fails that pass without a mutant; None on a hang."""
        run = run_suite(self.subject, self.scratch, self.timeout)
        return None if run.timed_out else run.failing(self.suite) - self.baseline


def try_mutant(bench: Bench, mutant: Mutant) -> Outcome:
    """Apply one mutant, run the suite, ask orch, revert.

    When the combined selection holds none of the failing tests, the suite runs once more and
    only the tests failing both times count (a miss must not come from a test's bad luck)."""
    path = bench.subject.root / mutant.file
    original = _read(path)
    path.write_text(mutant.apply(original), encoding="utf-8", newline="")
    started = time.monotonic()
    try:
        failing = bench.failing()
        if failing is None:
            return Outcome(mutant, "timeout", time.monotonic() - started)
        if not failing:
            return Outcome(mutant, "survived", time.monotonic() - started)
        picked = select_all(bench.subject, bench.orch, bench.homes, bench.scratch)
        outcome = Outcome(mutant, "killed", 0.0, sorted(failing), picked)
        outcome.scores = score(bench.subject, outcome, bench.suite)
        if any(result.error for result in picked.values()):
            outcome.status = "select-error"
        elif not outcome.scores["combined"]["safe"]:
            again = bench.failing() or set()
            outcome.failing = sorted(failing & again)
            outcome.status = "killed" if outcome.failing else "unstable"
            outcome.scores = score(bench.subject, outcome, bench.suite)
    finally:
        path.write_text(original, encoding="utf-8", newline="")
    outcome.seconds = time.monotonic() - started
    return outcome


def score(subject: Subject, outcome: Outcome, suite: list[str]) -> dict[str, dict]:
    """Per column: did it hold a failing test, how many failing tests, what share of the suite."""
    chosen = {config: set(p.ids) for config, p in outcome.picked.items()}
    scores = {}
    for column in COLUMNS:
        if column == EVERYTHING:
            covered = set(suite)
            hit = set(outcome.failing)
        elif column == NAMED:
            covered = named_after(subject, outcome.mutant.file, suite)
            hit = {t for t in outcome.failing if t in covered}
        else:
            covered = {t for t in suite if is_selected(t, chosen[column])}
            hit = {t for t in outcome.failing if is_selected(t, chosen[column])}
        scores[column] = {
            "safe": bool(hit),
            "failing_selected": len(hit),
            "selected": len(covered),
            "share": len(covered) / len(suite),
        }
    return scores


def metrics(outcomes: list[Outcome]) -> dict:
    """Safety, failing-test share and mean size per column, over the killed mutants."""
    killed = [o for o in outcomes if o.status == "killed"]
    kinds: dict[str, list[int]] = {}
    for outcome in outcomes:
        counts = kinds.setdefault(outcome.mutant.operator, [0, 0])
        counts[0] += 1
        counts[1] += outcome.status == "killed"
    figures: dict = {
        "mutants": len(outcomes),
        "kinds": {kind: {"mutants": n, "killed": k} for kind, (n, k) in sorted(kinds.items())},
        "killed": len(killed),
        "survived": sum(o.status == "survived" for o in outcomes),
        "timeout": sum(o.status == "timeout" for o in outcomes),
        "unstable": sum(o.status == "unstable" for o in outcomes),
        "select_errors": sum(o.status == "select-error" for o in outcomes),
        "columns": {},
    }
    failing = sum(len(o.failing) for o in killed)
    for column in COLUMNS:
        safe = sum(o.scores[column]["safe"] for o in killed)
        selected = sum(o.scores[column]["failing_selected"] for o in killed)
        shares = [o.scores[column]["share"] for o in killed]
        figures["columns"][column] = {
            "safe": safe,
            "safety": safe / len(killed) if killed else None,
            "failing": failing,
            "failing_selected": selected,
            "failing_share": selected / failing if failing else None,
            "mean_suite_share": sum(shares) / len(shares) if shares else None,
        }
    return figures


# -- report ----------------------------------------------------------------------------------


def _where(mutant: Mutant) -> str:
    return f"{mutant.file}:{mutant.line}:{mutant.col + 1}"


def _status_line(outcome: Outcome) -> str:
    if outcome.status != "killed":
        return f"{outcome.status} ({outcome.seconds:.1f} s)"
    marks = " ".join(
        f"{c.split()[0]}{'+' if outcome.scores[c]['safe'] else '-'}" for c in (*CONFIGS, NAMED)
    )
    return f"killed, {len(outcome.failing)} failing ({outcome.seconds:.1f} s); {marks}"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def print_report(report: dict) -> None:
    """The table per subject and overall, the target line, and every combined miss."""
    print("Mutation benchmark of orch select: safety and size per strategy")
    print(f"seed {report['settings']['seed']}; {report['seconds']:.0f} s in all\n")
    rows = [(s["name"], s["metrics"]) for s in report["subjects"]]
    rows.append(("overall", report["overall"]))
    for name, figures in rows:
        suite = next((s["suite"] for s in report["subjects"] if s["name"] == name), None)
        size = f", suite {suite} tests" if suite else ""
        print(
            f"{name}: {figures['mutants']} mutants, {figures['killed']} killed, "
            f"{figures['survived']} survived, {figures['timeout']} timed out, "
            f"{figures['unstable']} unstable, {figures['select_errors']} orch select errors{size}"
        )
        kinds = ", ".join(f"{k} {c['killed']}/{c['mutants']}" for k, c in figures["kinds"].items())
        print(f"  killed by kind of fault: {kinds}")
        print(
            f"  {'strategy':<20} {'safety':>16} {'failing tests selected':>24} "
            f"{'mean suite selected':>20}"
        )
        for column, c in figures["columns"].items():
            safety = f"{c['safe']}/{figures['killed']} {_percent(c['safety'])}"
            failing = f"{c['failing_selected']}/{c['failing']} {_percent(c['failing_share'])}"
            print(
                f"  {column:<20} {safety:>16} {failing:>24} {_percent(c['mean_suite_share']):>20}"
            )
        print()
    target = report["target"]
    verdict = "PASS" if target["pass"] else "FAIL"
    print(f"combined safety >= {SAFETY_TARGET:.0%}: {verdict} ({_percent(target['safety'])})\n")
    misses = [
        (s["name"], o)
        for s in report["subjects"]
        for o in s["outcomes"]
        if o["status"] == "killed" and not o["scores"]["combined"]["safe"]
    ]
    odd = [
        f"{s['name']} {_where(Mutant(**o['mutant']))} {o['mutant']['description']}: "
        f"{o['status']}{_select_error(o)}"
        for s in report["subjects"]
        for o in s["outcomes"]
        if o["status"] in ("timeout", "unstable", "select-error")
    ]
    if odd:
        print("not counted (the suite hung, its failures did not repeat, or orch select failed):")
        print("\n".join(f"  {line}" for line in odd) + "\n")
    print(f"mutants whose failing tests the combined selection missed: {len(misses)}")
    for name, outcome in misses:
        _print_miss(name, outcome)


def _select_error(outcome: dict) -> str:
    """The last line orch printed for the first configuration it failed on (or nothing)."""
    for config, picked in outcome["picked"].items():
        if picked["error"]:
            last = picked["error"].strip().splitlines()[-1:] or ["no output"]
            return f" ({config}, exit {picked['returncode']}: {last[0]})"
    return ""


def _print_miss(name: str, outcome: dict) -> None:
    mutant, picked = outcome["mutant"], outcome["picked"]["combined"]
    print(f"\n- {name} {_where(Mutant(**mutant))}: {mutant['description']}")
    failing = outcome["failing"]
    print(
        f"  failing ({len(failing)}): "
        + ", ".join(failing[:8])
        + (" ..." if len(failing) > 8 else "")
    )
    scores = outcome["scores"].items()
    others = ", ".join(f"{c} {'hit' if s['safe'] else 'miss'}" for c, s in scores)
    print(f"  other columns: {others}")
    if picked["error"]:
        print(f"  orch select failed (exit {picked['returncode']}): {picked['error']}")
    print(
        f"  combined selected {len(picked['ids'])} tests"
        + (" (whole app)" if picked["whole_app"] else "")
    )
    for reason in picked["app_reasons"] + picked["problems"]:
        print(f"    app: {reason}")
    for test in picked["ids"][:6]:
        print(f"    {test}: {'; '.join(picked['reasons'][test])}")
    if len(picked["ids"]) > 6:
        print(f"    ... and {len(picked['ids']) - 6} more")


def _machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit.stdout.strip(),
        "dirty": bool(
            subprocess.run(
                ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
        ),
    }


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--subjects",
        default="demo,orch",
        help="comma-separated: demo, orch, payment-service, inventory-service",
    )
    parser.add_argument(
        "--max-mutants", type=int, help="mutants per subject (default: 40 per demo app, 60 orch)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the mutant sample")
    parser.add_argument("--json", help="write every mutant and figure as JSON to this file")
    parser.add_argument("--orch", default=str(Path(sys.executable).parent / "orch"))
    parser.add_argument("--keep", action="store_true", help="keep the copies and orch's state")
    return parser.parse_args()


def _subject_names(spec: str) -> list[str]:
    names: list[str] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        for name in SUBJECT_GROUPS.get(part, [part]):
            if name not in DEFAULT_MUTANTS:
                known = ", ".join(["demo", "orch", *DEFAULT_MUTANTS])
                raise SystemExit(f"unknown subject {part!r} (known: {known})")
            if name not in names:
                names.append(name)
    return names


def main() -> int:
    """Runs every subject, prints the table, misses and target; returns the exit code."""
    args = _arguments()
    names = _subject_names(args.subjects)
    work = Path(tempfile.mkdtemp(prefix="orch-bench-mutation-"))
    started = time.monotonic()
    subjects = []
    try:
        for name in names:
            subject = make_subject(name, work)
            count = args.max_mutants or DEFAULT_MUTANTS[name]
            subjects.append(benchmark_subject(subject, count, args.seed, args.orch, work))
    except (Invalid, subprocess.CalledProcessError) as problem:
        print(f"BENCHMARK INVALID: {problem}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            _log(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    overall = metrics([o for s in subjects for o in s["outcomes"]])
    for subject in subjects:
        subject["metrics"] = metrics(subject["outcomes"])
        subject["outcomes"] = [asdict(o) for o in subject["outcomes"]]
    safety = overall["columns"]["combined"]["safety"]
    report = {
        "settings": {
            "subjects": names,
            "max_mutants": args.max_mutants,
            "seed": args.seed,
            "test_timeout": TEST_TIMEOUT,
        },
        "machine": _machine(),
        "seconds": time.monotonic() - started,
        "subjects": subjects,
        "overall": overall,
        "target": {"safety": safety, "pass": safety is not None and safety >= SAFETY_TARGET},
    }
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    if overall["select_errors"]:
        print(f"BENCHMARK INCOMPLETE: orch select failed on {overall['select_errors']} mutants")
        return 2
    return 0 if report["target"]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
