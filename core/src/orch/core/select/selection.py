"""Change-based test selection: the tests a change can break, each with its reasons and a score.

Per application, from the change set: build and dependency files (and files no analysis can see
through) select the whole application; changed test code selects the tests it touches; a changed
source file selects the tests whose recorded coverage executed the changed lines, or, where no
trustworthy coverage exists for that file, every test that imports it directly or transitively;
mapping rules, recent failures and always-run tests add to that. When in doubt it selects more,
and says why.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from attrs import define, evolve, field, frozen

from orch.core.select.changes import ChangeSet
from orch.core.select.coverage_impact import covered_tests
from orch.core.select.imports import ImportGraph, outside_roots
from orch.core.select.pytests import (
    changed_fixtures,
    defines_fixtures,
    is_conftest,
    is_test_file,
    nodeid_path,
)
from orch.core.select.spans import spans
from orch.core.select.test_index import TestIndex
from orch.core.workflow.model import Workflow
from orch.ports import Application, ChangedFile, OrchError, Store, TestCase, TestRunner, Vcs

BUILD_FILES = (
    "pyproject.toml", "setup.py", "setup.cfg", "requirements*.txt", "requirements/*.txt",
    "constraints*.txt", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock",
    "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json",
    "Dockerfile", "Dockerfile.*", "*.dockerfile", "docker-compose*.yml", "docker-compose*.yaml",
    "compose*.yml", "compose*.yaml", "tox.ini", "pytest.ini", "noxfile.py", "Makefile",
    "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "gradle.properties",
    ".github/*", ".gitlab-ci.yml", "Jenkinsfile", ".circleci/*", "azure-pipelines.yml",
    ".pre-commit-config.yaml", "MANIFEST.in", ".python-version", "environment.yml",
)  # fmt: skip
"""Files whose change can break any test in ways no analysis sees: they select the whole app."""

WEIGHTS = {
    "new": 6.0,
    "test-changed": 5.0,
    "covers": 4.0,
    "direct": 3.0,
    "mapping": 3.0,
    "transitive": 2.0,
    "history": 2.0,
    "whole-app": 1.0,
    "always-run": 1.0,
    "critical": 0.0,
}
"""How strongly each kind of reason says "this test is at risk" (the base of the risk score)."""


@frozen
class SelectedTest:
    """One selected test: its pytest nodeid, why it was selected, and its risk score."""

    __test__ = False

    app: str
    nodeid: str
    file: str
    reasons: tuple[str, ...]
    score: float

    @property
    def id(self) -> str:
        return f"{self.app}::{self.nodeid}"


@frozen
class AppSelection:
    """What one application runs for the change, and why (or why nothing)."""

    app: str
    tests: tuple[SelectedTest, ...]
    whole_app: bool = False
    reasons: tuple[str, ...] = ()
    suite: int = 0
    """How many tests the application has, each recorded case of a parametrised test counted."""
    problems: tuple[str, ...] = ()
    count: int = 0
    """How many tests the selection runs, counted as ``suite`` is (not the ids listed)."""
    base: str = ""
    """The commit (or ref) this application's repository was compared from."""


@frozen
class Selection:
    """The selection for a change set, over every application of a workflow."""

    base: str
    head: str | None
    apps: dict[str, AppSelection]
    outside: tuple[str, ...] = ()

    @property
    def tests(self) -> list[SelectedTest]:
        """Every selected test, highest risk first (the order a run dispatches them in)."""
        every = [test for app in self.apps.values() for test in app.tests]
        return sorted(every, key=lambda t: (-t.score, t.app, t.nodeid))

    @property
    def count(self) -> int:
        """How many tests the selection runs (parametrised cases counted one by one)."""
        return sum(app.count for app in self.apps.values())

    def wanted(self, app: str) -> dict[str, float] | None:
        """Selected nodeids of ``app`` with their scores; None when the whole app runs."""
        chosen = self.apps.get(app)
        if chosen is None:
            return {}
        if chosen.whole_app:
            return None
        return {test.nodeid: test.score for test in chosen.tests}

    def as_json(self) -> dict:
        """The ``orch select --format json`` object."""
        return {
            "base": self.base,
            "head": self.head,
            "selected": [
                {"id": t.nodeid, "app": t.app, "reasons": list(t.reasons), "score": t.score}
                for t in self.tests
            ],
            "total": self.count,
            "apps": {
                name: {
                    "selected": app.count,
                    "suite": app.suite,
                    "base": app.base,
                    "whole_app": app.whole_app,
                    "reasons": list(app.reasons),
                    "problems": list(app.problems),
                }
                for name, app in self.apps.items()
            },
            "outside": list(self.outside),
        }


@define
class _Reasons:
    """Reasons collected per nodeid of one application, each with its kind."""

    by_test: dict[str, dict[str, str]] = field(factory=dict)
    files: dict[str, str] = field(factory=dict)

    def add(self, nodeid: str, file: str, kind: str, text: str) -> None:
        self.by_test.setdefault(nodeid, {}).setdefault(text, kind)
        self.files[nodeid] = file


class Selector:
    """Selects tests for a change; its ports are passed in (see ``orch.core.bootstrap``)."""

    def __init__(
        self,
        workflow: Workflow,
        *,
        vcs: Vcs | None,
        store: Store,
        runners: dict[str, TestRunner],
        state_dir: Path,
    ) -> None:
        self.workflow = workflow
        self.vcs = vcs
        self.store = store
        self.runners = runners
        self.state_dir = state_dir

    def select(self, changes: ChangeSet, apps: Sequence[str] = ()) -> Selection:
        """The selection for ``changes``, for ``apps`` (default: every application)."""
        chosen = {}
        for app in self.workflow.applications:
            if apps and app.name not in apps:
                continue
            chosen[app.name] = evolve(
                _AppSelector(self, app, changes).select(), base=changes.base_of(app.name)
            )
        return Selection(changes.base, changes.head, chosen, changes.outside)

    def claims(self) -> dict[str, tuple[Path, ...]]:
        """Per application that runs single tests, the directories outside its folder that its
        tests can import (``outside_roots``): changes there are its changes too."""
        claims = {}
        for app in self.workflow.applications:
            runner = self.runners.get(app.runner)
            if runner is not None and runner.selects_tests:
                claims[app.name] = outside_roots(app.path)
        return claims

    def everything(self, reason: str, apps: Sequence[str] = ()) -> Selection:
        """Every test of every application (or of ``apps``), for ``reason``."""
        nothing_known = ChangeSet(base="", head=None, apps={})
        chosen = {
            app.name: _AppSelector(self, app, nothing_known).whole(reason)
            for app in self.workflow.applications
            if not apps or app.name in apps
        }
        return Selection("", None, chosen)


class _AppSelector:
    """The selection of one application (state of one ``select`` call)."""

    def __init__(self, selector: Selector, app: Application, changes: ChangeSet) -> None:
        self.selector = selector
        self.app = app
        self.settings = app.select
        self.changes = changes
        self.files = changes.of(app.name)
        self.reasons = _Reasons()
        self.problems: list[str] = []
        self._graph: ImportGraph | None = None
        self._outcomes: dict[str, tuple[int, int, int]] | None = None
        self._index: TestIndex | None = None
        self._tests: dict[str, list[str]] = {}
        self._collection: list[TestCase] | None = None

    # -- the steps -----------------------------------------------------------------------------

    def select(self) -> AppSelection:
        runner = self.selector.runners.get(self.app.runner)
        files = [f for f in self.files if not self._ignored(f)]
        if self.settings.strategy == "all":
            return self._whole("select.strategy is 'all'")
        if not files:
            why = "no file of this application changed"
            if len(files) < len(self.files):
                why = "only ignored files changed (select.ignore)"
            return self._nothing(why)
        if runner is None or not runner.selects_tests:
            return self._whole(
                f"runner '{self.app.runner}' cannot run single tests; {files[0].path} changed"
            )
        whole = self._whole_app_reason(files)
        if whole:
            return self._whole(whole)
        self._by_mapping(files)
        python = [f for f in files if f.path.endswith(".py") and f.status != "deleted"]
        self._report_syntax(python)
        tests_changed = [f for f in python if self._is_test(f.path)]
        for change in tests_changed:
            self._test_file_changed(change)
        sources = [f for f in python if not self._is_test(f.path)]
        sources = [f for f in sources if not self._by_fixtures(f)]
        self._sources_changed(sources + tests_changed)
        self._by_imports(_gone(files))
        self._by_history(python)
        self._always_run()
        return self._result()

    def _whole_app_reason(self, files: list[ChangedFile]) -> str:
        rules = self.settings.mapping_rules
        for change in files:
            if _matches(change.path, BUILD_FILES):
                return f"build or dependency file {change.path} changed"
        for change in files:
            mapped = any(re.fullmatch(rule.source, change.path) for rule in rules)
            if not change.path.endswith(".py") and not mapped:
                return (
                    f"non-Python file {change.path} changed and no mapping rule covers it "
                    "(add a mapping rule or select.ignore to narrow this)"
                )
        return ""

    def _by_mapping(self, files: list[ChangedFile]) -> None:
        if "mapping" not in self.settings.strategies:
            return
        for index, rule in enumerate(self.settings.mapping_rules, start=1):
            for change in files:
                match = re.fullmatch(rule.source, change.path)
                if match is None:
                    continue
                pattern = _expand(rule.tests, match)
                targets = [f for f in self._all_test_files() if fnmatch.fnmatch(f, pattern)]
                for target in targets:
                    for nodeid in self._tests_in(target):
                        self.reasons.add(
                            nodeid,
                            target,
                            "mapping",
                            f"mapping rule {index}: {change.path} -> {target}",
                        )

    def _test_file_changed(self, change: ChangedFile) -> None:
        nodeids = self._tests_in(change.path)
        if change.status in ("added", "untracked"):
            for nodeid in nodeids:
                self.reasons.add(nodeid, change.path, "new", "new test (its file is new)")
            return
        source = (self.app.path / change.path).read_text(encoding="utf-8", errors="replace")
        found = spans(source)
        if found is None:
            for nodeid in nodeids:
                self.reasons.add(
                    nodeid, change.path, "test-changed", f"{change.path} changed and does not parse"
                )
            return
        named = nodeid_path(change.path)
        tests = {f"{named}::{s.qualname}": s for s in found if f"{named}::{s.qualname}" in nodeids}
        for first, last in change.hunks:
            hit = [n for n, s in tests.items() if s.overlaps(first, last)]
            if not hit:
                for nodeid in nodeids:
                    self.reasons.add(
                        nodeid,
                        change.path,
                        "test-changed",
                        f"module-level code of {change.path} changed (lines {first}-{last})",
                    )
            for nodeid in hit:
                span = tests[nodeid]
                if first <= span.start and span.end <= last:
                    self.reasons.add(nodeid, change.path, "new", "new test (added in this change)")
                else:
                    self.reasons.add(
                        nodeid,
                        change.path,
                        "test-changed",
                        f"its code changed (lines {first}-{last})",
                    )

    def _by_fixtures(self, change: ChangedFile) -> bool:
        """Select for a ``conftest.py`` changed only inside fixtures the tests whose fixture
        closure, as the runner collects it from the working tree, uses one of them; say whether
        that answered for the file (if not, every test beneath it is selected)."""
        if not is_conftest(change.path) or change.status != "modified" or self.changes.head:
            return False
        names = self._changed_fixtures(change)
        if not names or not self._fixtures_are_static(change.path):
            return False
        collected = self._collected()
        if collected is None:
            return False
        directory = change.path.rpartition("/")[0]
        for case in collected:
            if directory and not case.file.startswith(directory + "/"):
                continue
            used = names if case.fixtures is None else names.intersection(case.fixtures)
            if used:
                self.reasons.add(
                    case.nodeid.split("[", 1)[0],
                    case.file,
                    "direct",
                    f"uses fixture {', '.join(sorted(used))} of {change.path}, which changed",
                )
        return True

    def _changed_fixtures(self, change: ChangedFile) -> set[str] | None:
        """The fixtures holding every changed line, on both sides of the diff (None: not all)."""
        vcs = self.selector.vcs
        assert vcs is not None, "a change set exists, so a Vcs does"
        repository, prefix = self.changes.places[self.app.name]
        old = vcs.show(repository, self.changes.base_of(self.app.name), prefix + change.path)
        new = (self.app.path / change.path).read_text(encoding="utf-8", errors="replace")
        before = changed_fixtures(old, change.old_hunks) if old is not None else None
        after = changed_fixtures(new, change.hunks) if change.hunks else set()
        if before is None or after is None:
            return None
        return before | after

    def _fixtures_are_static(self, conftest: str) -> bool:
        """Whether the tests beneath ``conftest`` name their fixtures where pytest records them:
        not when one imports the conftest or asks for a fixture by name at run time."""
        graph = self._import_graph()
        if any(conftest in graph.imports_of(path) for path in graph.files):
            return False
        directory = conftest.rpartition("/")[0]
        prefix = f"{directory}/" if directory else ""
        for path in graph.files:
            if path.startswith(prefix) and not path.startswith("../"):
                text = (self.app.path / path).read_text(encoding="utf-8", errors="replace")
                if "getfixturevalue" in text:
                    return False
        return True

    def _collected(self) -> list[TestCase] | None:
        """The app's tests as its runner collects them (once per selection); None if it cannot."""
        if self._collection is None:
            runner = self.selector.runners.get(self.app.runner)
            try:
                self._collection = runner.discover(self.app) if runner is not None else []
            except OrchError as problem:
                self.problems.append(f"could not collect the tests' fixtures ({problem})")
                self._collection = []
                return None
        return self._collection or None

    def _sources_changed(self, changed: list[ChangedFile]) -> None:
        if not changed:
            return
        uncovered = [c.path for c in changed]
        if "coverage" in self.settings.strategies:
            uncovered = self._by_coverage(changed)
        if "imports" in self.settings.strategies or "coverage" in self.settings.strategies:
            self._by_imports(uncovered)

    def _by_coverage(self, changed: list[ChangedFile]) -> list[str]:
        """Select by recorded coverage; return the files it cannot answer for."""
        vcs = self.selector.vcs
        assert vcs is not None, "a change set exists, so a Vcs does"
        answerable = []
        for change in changed:
            if self._is_test(change.path):
                continue
            if change.path.startswith("../"):
                self.problems.append(
                    f"{change.path} is outside the application's folder, where coverage is not "
                    "recorded: used the import graph"
                )
                continue
            if is_conftest(change.path) or self._defines_fixtures(change.path):
                self.problems.append(
                    f"{change.path} defines fixtures, whose coverage belongs to whichever test "
                    "ran them first: selected every test using it"
                )
                continue
            answerable.append(change)
        outcome = covered_tests(self.app, answerable, self.selector.store, vcs, self.changes)
        self.problems.extend(outcome.notes)
        for nodeid, reasons in outcome.tests.items():
            for text in reasons:
                self.reasons.add(nodeid, nodeid.split("::")[0], "covers", text)
        answered = set(outcome.answered)
        return [c.path for c in changed if c.path not in answered]

    def _by_imports(self, files: list[str]) -> None:
        if not files:
            return
        graph = self._import_graph()
        impacts = graph.importers_of(files)
        for test_file, impact in sorted(impacts.items()):
            if not self._is_test(test_file):
                continue
            if impact.direct:
                kind, text = "direct", f"imports {impact.changed}"
            else:
                kind, text = "transitive", f"imports {impact.changed} via {' -> '.join(impact.via)}"
            if impact.changed.endswith("conftest.py"):
                kind, text = "direct", f"uses {impact.changed}, which changed"
            for nodeid in self._tests_in(test_file):
                self.reasons.add(nodeid, test_file, kind, text)

    def _by_history(self, changed: list[ChangedFile]) -> None:
        if "history" not in self.settings.strategies or not changed:
            return
        history = self._history()
        failing = {n: h for n, h in history.items() if h[1]}
        if not failing:
            return
        impacts = self._import_graph().importers_of([c.path for c in changed])
        for nodeid, (runs, failures, _) in failing.items():
            test_file = nodeid.split("::")[0]
            impact = impacts.get(test_file)
            touched = test_file in {c.path for c in changed}
            if impact is None and not touched:
                continue
            what = impact.changed if impact is not None else test_file
            self.reasons.add(
                nodeid,
                test_file,
                "history",
                f"failed in {failures} of its last {runs} runs, and {what} changed",
            )

    def _always_run(self) -> None:
        for pattern in self.settings.always_run_paths:
            for test_file in self._all_test_files():
                if fnmatch.fnmatch(test_file, pattern):
                    for nodeid in self._tests_in(test_file):
                        self.reasons.add(nodeid, test_file, "always-run", f"always-run: {pattern}")
        for marker in self.settings.always_run_markers:
            needle = f"mark.{marker}"
            for test_file in self._all_test_files():
                text = (self.app.path / test_file).read_text(encoding="utf-8", errors="replace")
                if needle not in text:
                    continue
                for nodeid in _marked(text, test_file, marker, self._tests_in(test_file)):
                    self.reasons.add(
                        nodeid, test_file, "always-run", f"always-run: marker {marker}"
                    )

    # -- results -------------------------------------------------------------------------------

    def _result(self) -> AppSelection:
        durations = self.selector.store.durations(self.app.name)
        history = self._history()
        critical = self._critical(set(self.reasons.files.values()))
        tests = []
        for nodeid, reasons in self.reasons.by_test.items():
            if nodeid in critical:
                reasons.setdefault(f"critical: marker {critical[nodeid]}", "critical")
            ordered = sorted(reasons.items(), key=lambda item: -WEIGHTS[item[1]])
            tests.append(
                SelectedTest(
                    self.app.name,
                    nodeid,
                    self.reasons.files[nodeid],
                    tuple(text for text, _ in ordered),
                    risk_score(
                        [kind for _, kind in ordered],
                        history.get(nodeid),
                        _duration(durations, nodeid),
                    ),
                )
            )
        tests.sort(key=lambda t: (-t.score, t.nodeid))
        cases = _Cases(durations)
        suite = self._suite_size(cases)
        if self._index is not None:
            self._index.save()
        why = () if tests else ("the change reaches no test of this application",)
        return AppSelection(
            self.app.name,
            tuple(tests),
            False,
            why,
            suite,
            tuple(self.problems),
            count=cases.of(t.nodeid for t in tests),
        )

    def whole(self, reason: str) -> AppSelection:
        """Every test of the application, each with ``reason``."""
        return self._whole(reason)

    def _critical(self, test_files: set[str]) -> dict[str, str]:
        """nodeid -> critical marker, for tests in ``test_files`` carrying one."""
        found: dict[str, str] = {}
        for test_file in sorted(test_files):
            text = (self.app.path / test_file).read_text(encoding="utf-8", errors="replace")
            for marker in self.settings.critical_markers:
                if f"mark.{marker}" in text:
                    for nodeid in _marked(text, test_file, marker, self._tests_in(test_file)):
                        found.setdefault(nodeid, marker)
        return found

    def _whole(self, reason: str) -> AppSelection:
        runner = self.selector.runners.get(self.app.runner)
        if runner is None or not runner.selects_tests:
            return AppSelection(self.app.name, (), True, (reason,), 0, tuple(self.problems))
        for test_file in self._all_test_files():
            for nodeid in self._tests_in(test_file):
                self.reasons.add(nodeid, test_file, "whole-app", f"whole application: {reason}")
        selection = self._result()
        return evolve(selection, whole_app=True, reasons=(reason,))

    def _nothing(self, reason: str) -> AppSelection:
        return AppSelection(self.app.name, (), False, (reason,), 0, tuple(self.problems))

    # -- helpers -------------------------------------------------------------------------------

    def _history(self) -> dict[str, tuple[int, int, int]]:
        """The app's recent outcome history, read from the store once per selection."""
        if self._outcomes is None:
            self._outcomes = self.selector.store.outcome_history(self.app.name)
        return self._outcomes

    def _import_graph(self) -> ImportGraph:
        if self._graph is None:
            cache = self.selector.state_dir / "cache" / f"imports-{_safe(self.app.name)}.bin"
            self._graph = ImportGraph.build(self.app.path, cache)
        return self._graph

    def _all_test_files(self) -> list[str]:
        return sorted(f for f in self._import_graph().files if self._is_test(f))

    def _tests_in(self, test_file: str) -> list[str]:
        if test_file not in self._tests:
            self._find_tests([test_file])
        return self._tests.get(test_file, [])

    def _find_tests(self, files: list[str]) -> None:
        if self._index is None:
            cache = self.selector.state_dir / "cache" / f"tests-{_safe(self.app.name)}.bin"
            self._index = TestIndex(self._import_graph(), cache)
        self._tests.update(self._index.tests(files))

    def _is_test(self, path: str) -> bool:
        inside = not path.startswith("../")
        return inside and is_test_file(path, self._import_graph().test_patterns)

    def _defines_fixtures(self, path: str) -> bool:
        try:
            return defines_fixtures(
                (self.app.path / path).read_text(encoding="utf-8", errors="replace")
            )
        except OSError:
            return False

    def _suite_size(self, cases: _Cases) -> int:
        files = self._all_test_files()
        missing = [f for f in files if f not in self._tests]
        if missing:
            self._find_tests(missing)
        return cases.of(nodeid for f in files for nodeid in self._tests.get(f, []))

    def _ignored(self, change: ChangedFile) -> bool:
        return _matches(change.path, self.settings.ignore)

    def _report_syntax(self, changed: list[ChangedFile]) -> None:
        if not changed:
            return
        problems = self._import_graph().check_syntax([c.path for c in changed])
        for path, reason in sorted(problems.items()):
            self.problems.append(f"{path}: {reason}; its imports were read as text (safe side)")


def risk_score(kinds: Iterable[str], history: tuple[int, int, int] | None, seconds: float) -> float:
    """Higher runs first: how directly the change reaches the test, whether it is marked
    critical, how often it failed or flaked lately, and how fast it is (fast first: fail fast)."""
    kinds = list(kinds)
    base = max((WEIGHTS[kind] for kind in kinds), default=0.0)
    base += 1.0 if "critical" in kinds else 0.0
    runs, failures, flaky = history or (0, 0, 0)
    failure_rate = failures / runs if runs else 0.0
    flaky_rate = flaky / runs if runs else 0.0
    speed = 1.0 / (1.0 + seconds)
    return round(base + 3.0 * failure_rate + 1.0 * flaky_rate + speed, 3)


class _Cases:
    """Counts tests as pytest runs them: a parametrised function listed once counts each of its
    cases that a run recorded (one when none was), and a case whose function is listed too
    counts once."""

    def __init__(self, recorded: Iterable[str]) -> None:
        self.per_function: dict[str, int] = {}
        for nodeid in recorded:
            function, bracket, _ = nodeid.partition("[")
            if bracket:
                self.per_function[function] = self.per_function.get(function, 0) + 1

    def of(self, nodeids: Iterable[str]) -> int:
        """How many tests running ``nodeids`` runs."""
        listed = set(nodeids)
        total = 0
        for nodeid in listed:
            function, bracket, _ = nodeid.partition("[")
            if not bracket:
                total += self.per_function.get(nodeid, 1)
            elif function not in listed:
                total += 1
        return total


def _duration(durations: dict[str, float], nodeid: str) -> float:
    if nodeid in durations:
        return durations[nodeid]
    prefix = nodeid + "["
    matching = [seconds for name, seconds in durations.items() if name.startswith(prefix)]
    return sum(matching) if matching else 0.0


def _matches(path: str, patterns: Iterable[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(name, p) for p in patterns)


def _marked(text: str, test_file: str, marker: str, nodeids: list[str]) -> list[str]:
    """Tests of ``test_file`` marked ``@pytest.mark.<marker>`` (directly, on a class, or module)."""
    if re.search(rf"^pytestmark\s*=.*mark\.{re.escape(marker)}\b", text, re.M):
        return nodeids
    found = spans(text) or []
    lines = text.splitlines()
    marked: list[str] = []
    for span in found:
        head = "\n".join(lines[span.start - 1 : span.start + 10])
        decorators = head.split("def ", 1)[0].split("class ", 1)[0]
        if f"mark.{marker}" in decorators:
            prefix = f"{nodeid_path(test_file)}::{span.qualname}"
            marked.extend(n for n in nodeids if n == prefix or n.startswith(prefix + "::"))
    return marked


def _gone(files: list[ChangedFile]) -> list[str]:
    """Python paths that no longer exist after the change (deleted, or renamed away)."""
    gone = [f.path for f in files if f.status == "deleted" and f.path.endswith(".py")]
    moved = [f.old_path for f in files if f.status == "renamed" and f.old_path]
    return gone + [path for path in moved if path.endswith(".py")]


def _expand(template: str, match: re.Match[str]) -> str:
    """A mapping rule's ``tests`` template with ``{1}``, ``{2}``... filled from the match."""
    return re.sub(r"\{(\d+)\}", lambda m: match.group(int(m.group(1))) or "", template)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)
