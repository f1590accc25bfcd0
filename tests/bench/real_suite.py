"""Does `orch run` count a real project's tests exactly as pytest does, and how long does it take?

For each chosen project: download its pinned source distribution from PyPI, install it with its
test dependencies into a venv of its own, then run, interleaved, ``pytest -q -rA`` in the
extracted directory and ``orch run -w orch.yaml`` with that venv's python as the app's
interpreter, after one unmeasured warm-up run of each. Prints the counts side by side and the
median wall times. Exit 0 identical counts, 1 counts differ (or orch failed), 2 the project could
not be set up or pytest did not run it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from measure import Measurement, median, pytest_counts, run_measured

COMPARED = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
"""Outcomes both tools count; orch's timeout, blocked and flaky must stay 0 for a plain run."""

ORCH_ONLY = ("timeout", "blocked", "flaky")

_SHORT = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) (.+)$")


@dataclass(frozen=True)
class Project:
    """A PyPI project whose sdist ships its tests, pinned, with what its tests import."""

    name: str
    version: str
    test_deps: tuple[str, ...]
    why: str


PROJECTS = {
    "attrs": Project(
        "attrs",
        "26.1.0",
        ("hypothesis", "cloudpickle", "pympler"),
        "~1400 tests, hypothesis, --import-mode=importlib, xfail_strict; has failed, skipped "
        "and xfailed outcomes",
    ),
    "toolz": Project(
        "toolz", "1.2.0", (), "~190 tests inside the package (testpaths = toolz), log_cli, a skip"
    ),
    "more-itertools": Project(
        "more-itertools",
        "11.2.1",
        (),
        "765 unittest-style tests with ~21000 subtests (slow: ~40 s per run)",
    ),
}

DEFAULT_PROJECTS = ("attrs", "toolz")


class SetupProblem(Exception):
    """The project could not be downloaded, installed or run by pytest: nothing to compare."""


@dataclass
class Comparison:
    """One project's outcome: counts per tool, whether they agree, the explanation, the times."""

    project: Project
    pytest: dict[str, int]
    orch: dict[str, int]
    identical: bool
    notes: list[str]
    pytest_seconds: list[float]
    orch_seconds: list[float]


def main() -> int:
    """Sets up and compares every chosen project; returns the exit code."""
    args = _arguments()
    work = Path(tempfile.mkdtemp(prefix="orch-bench-real-"))
    results: list[Comparison] = []
    try:
        for name in args.project or DEFAULT_PROJECTS:
            results.append(compare(PROJECTS[name], args, work / name))
    except SetupProblem as problem:
        print(f"SETUP FAILED: {problem}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(_as_json(results), indent=2) + "\n")
    print("\nall identical: " + ("yes" if all(r.identical for r in results) else "NO"))
    return 0 if all(result.identical for result in results) else 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project",
        action="append",
        choices=sorted(PROJECTS),
        help=f"repeatable; default: {', '.join(DEFAULT_PROJECTS)}",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per tool")
    parser.add_argument("--workers", type=int, default=2, help="orch's execution.workers")
    parser.add_argument("--orch", default=str(Path(sys.executable).parent / "orch"))
    parser.add_argument("--json", help="write counts and times as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the venvs and sources")
    return parser.parse_args()


def compare(project: Project, args: argparse.Namespace, work: Path) -> Comparison:
    """Installs ``project``, runs both tools ``repeats`` times, prints and returns the verdict."""
    print(f"\n== {project.name} {project.version}: {project.why}", flush=True)
    python, source = install(project, work)
    workflow = write_workflow(project, source, python, args.workers, work / "workflow")
    pytest_argv = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"]
    orch_argv = [args.orch, "run", "-w", str(workflow), "--format", "json"]
    env = {key: value for key, value in os.environ.items() if key != "ORCH_HOME"}
    print("  warm-up (unmeasured): pytest writes the bytecode, orch records durations", flush=True)
    _pytest_counts(run_measured(pytest_argv, source, env, work / "out", "pytest-warmup"))
    run_measured(orch_argv, workflow.parent, env, work / "out", "orch-warmup")
    pytest_runs: list[Measurement] = []
    orch_runs: list[Measurement] = []
    for repeat in range(args.repeats):
        order = ("pytest", "orch") if repeat % 2 == 0 else ("orch", "pytest")
        for tool in order:
            if tool == "pytest":
                run = run_measured(pytest_argv, source, env, work / "out", f"pytest-{repeat}")
                pytest_runs.append(run)
            else:
                run = run_measured(orch_argv, workflow.parent, env, work / "out", f"orch-{repeat}")
                orch_runs.append(run)
            print(f"  run {repeat + 1}/{args.repeats}  {tool:<6} {run.seconds:6.1f} s", flush=True)
    pytest_all = [_pytest_counts(run) for run in pytest_runs]
    orch_all, orch_tests, notes = _orch_results(orch_runs)
    notes += _varies("pytest", pytest_all) + _varies("orch", orch_all)
    identical = not notes and all(
        pytest_all[0].get(key, 0) == orch_all[0].get(key, 0) for key in COMPARED + ORCH_ONLY
    )
    if not identical and orch_tests:
        notes += explain(pytest_runs[0].out(), pytest_all[0], orch_tests)
    result = Comparison(
        project,
        pytest_all[0],
        orch_all[0],
        identical,
        notes,
        [run.seconds for run in pytest_runs],
        [run.seconds for run in orch_runs],
    )
    print_comparison(result, args.workers)
    return result


def install(project: Project, work: Path) -> tuple[Path, Path]:
    """A venv with pip, the extracted sdist, and the project installed editable with its deps."""
    venv, downloads = work / "venv", work / "sdist"
    _setup(["uv", "venv", "-q", "--seed", "--python", sys.executable, str(venv)])
    python = venv / "bin" / "python"
    requirement = f"{project.name}=={project.version}"
    _setup(
        [str(python), "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps"]
        + ["--disable-pip-version-check", requirement, "-d", str(downloads)]
    )
    archive = next(downloads.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    source = work / archive.name.removesuffix(".tar.gz")
    _setup(
        ["uv", "pip", "install", "-q", "--python", str(python), "pytest", *project.test_deps]
        + ["-e", str(source)]
    )
    return python, source


def _setup(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SetupProblem(f"`{' '.join(argv)}` exited {done.returncode}: {' | '.join(said)}")


def write_workflow(
    project: Project, source: Path, python: Path, workers: int, directory: Path
) -> Path:
    """An orch.yaml in its own directory naming the project as one app with the venv's python."""
    directory.mkdir(parents=True)
    workflow = directory / "orch.yaml"
    workflow.write_text(
        "applications:\n"
        f"  {project.name}:\n"
        f"    path: {source}\n"
        f"    runner: {{pytest: {{python: {python}}}}}\n"
        f"execution: {{workers: {workers}}}\n",
        encoding="utf-8",
    )
    return workflow


def _pytest_counts(run: Measurement) -> dict[str, int]:
    if run.returncode not in (0, 1):
        raise SetupProblem(f"pytest exited {run.returncode}: `{' '.join(run.argv)}`\n{run.tail()}")
    try:
        return pytest_counts(run.out())
    except ValueError as problem:
        raise SetupProblem(f"`{' '.join(run.argv)}`: {problem}") from problem


def _orch_results(runs: list[Measurement]) -> tuple[list[dict[str, int]], list[dict], list[str]]:
    """Counts per run, the first run's per-test records, and a note for every run orch botched."""
    counts: list[dict[str, int]] = []
    tests: list[dict] = []
    notes: list[str] = []
    for run in runs:
        try:
            report = json.loads(run.out())
            summary = report["summary"]
        except (ValueError, KeyError) as problem:
            notes.append(
                f"orch gave no JSON report ({problem}), exit code {run.returncode}: "
                f"`{' '.join(run.argv)}`\n{run.tail()}"
            )
            counts.append({})
            continue
        if run.returncode not in (0, 1) or report.get("problems"):
            notes.append(f"orch exit code {run.returncode}, problems: {report.get('problems')}")
        counts.append({key: summary.get(key, 0) for key in COMPARED + ORCH_ONLY})
        tests = tests or report.get("tests", [])
    return counts, tests, notes


def _varies(tool: str, counts: list[dict[str, int]]) -> list[str]:
    if all(other == counts[0] for other in counts):
        return []
    return [f"{tool}'s counts changed between runs: {counts}"]


def explain(pytest_output: str, pytest: dict[str, int], orch_tests: list[dict]) -> list[str]:
    """Why the counts differ, from pytest's ``-rA`` lines and orch's per-test outcomes.

    pytest counts a test that passed (or failed) and then errored in teardown twice; orch counts
    it once, as error (or failed): the first failing phase decides. Everything else is a real
    difference, listed by nodeid.
    """
    orch = {test["nodeid"]: test["outcome"] for test in orch_tests}
    seen: dict[str, list[str]] = {}
    words = {"PASSED": "passed", "FAILED": "failed", "ERROR": "error"}
    words |= {"XFAIL": "xfailed", "XPASS": "xpassed"}
    for line in pytest_output.splitlines():
        if match := _SHORT.match(line):
            rest = match.group(2)
            nodeid = rest if rest in orch else rest.split(" - ", 1)[0]
            seen.setdefault(nodeid, []).append(words[match.group(1)])
    expected = {nodeid: _orch_view(found) for nodeid, found in seen.items()}
    notes = []
    twice = sorted(nodeid for nodeid, found in seen.items() if len(found) > 1)
    if twice:
        once = dict(pytest)
        for nodeid in twice:
            for outcome in seen[nodeid]:
                once[outcome] -= outcome != expected[nodeid]
        agree = all(once.get(key, 0) == _count(orch, key) for key in COMPARED)
        notes.append(
            f"pytest counts {len(twice)} test(s) twice, an outcome and a setup/teardown error "
            f"({', '.join(twice[:5])}); orch counts each test once, by its first failing "
            f"phase. Counted once each, pytest's figures {'match' if agree else 'still differ'}."
        )
    differing = [
        f"{nodeid}: pytest {'+'.join(seen[nodeid])}, orch {orch.get(nodeid, 'absent')}"
        for nodeid in seen
        if orch.get(nodeid) != expected[nodeid]
    ]
    differing += [
        f"{nodeid}: pytest did not list it (skipped or not run), orch {outcome}"
        for nodeid, outcome in orch.items()
        if nodeid not in seen and outcome != "skipped"
    ]
    if differing:
        notes.append(f"{len(differing)} per-test difference(s) (-rA does not list skips per test):")
        notes += [f"  {line}" for line in differing[:20]]
    return notes


def _orch_view(found: list[str]) -> str:
    """The one outcome orch gives a test pytest listed under ``found``: the first failing phase."""
    if len(found) == 1:
        return found[0]
    return "failed" if "failed" in found else "error"


def _count(outcomes: dict[str, str], key: str) -> int:
    return sum(1 for outcome in outcomes.values() if outcome == key)


def print_comparison(result: Comparison, workers: int) -> None:
    """The side-by-side counts, ``identical: yes/no`` with any notes, and the median times."""
    extra = sorted(set(result.pytest) - set(COMPARED))
    print(f"\n{'outcome':<16} {'pytest':>8} {'orch':>8}")
    for key in COMPARED + ORCH_ONLY:
        pytest = "-" if key in ORCH_ONLY else str(result.pytest.get(key, 0))
        print(f"{key:<16} {pytest:>8} {result.orch.get(key, 0):>8}")
    for key in extra:
        print(f"{key:<16} {result.pytest[key]:>8} {'n/a':>8}  (pytest only, not compared)")
    print(f"identical: {'yes' if result.identical else 'no'}")
    for note in result.notes:
        print(f"  {note}")
    pytest, orch = median(result.pytest_seconds), median(result.orch_seconds)
    print(
        f"wall time, median of {len(result.pytest_seconds)}: pytest {pytest:.1f} s "
        f"({_list(result.pytest_seconds)}), orch -n {workers} {orch:.1f} s "
        f"({_list(result.orch_seconds)}); orch/pytest {orch / pytest:.2f}x"
    )


def _list(seconds: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in seconds)


def _as_json(results: list[Comparison]) -> list[dict]:
    return [
        {
            "project": result.project.name,
            "version": result.project.version,
            "pytest": result.pytest,
            "orch": result.orch,
            "identical": result.identical,
            "notes": result.notes,
            "pytest_seconds": result.pytest_seconds,
            "orch_seconds": result.orch_seconds,
        }
        for result in results
    ]


if __name__ == "__main__":
    sys.exit(main())
