"""Two suite shapes where the unit of work matters: few large files, and many small applications.

"few large files": 33 tests sleeping 0.1 s in 3 files; pytest, pytest-xdist ``-n 2`` and
``orch run -n 2`` (cold: no history; warm: history kept). orch must not be slower than xdist:
it splits files by test when that shortens the run.

"many small apps": 20 applications of 100 trivial tests each, one workflow; plain pytest run in
each application one after another, the same with xdist ``-n 2``, and ``orch run -n 1`` (cold
and warm) and ``-n 2`` (warm). orch with one worker must be within 1.1x of plain pytest and faster
with two: small applications are discovered and run in one pytest process each.

Runs interleaved, in rotating order, ``--repeats`` times; prints medians, ratios and PASS/FAIL.
Beside each wall time it prints the CPU time of the tool's whole process tree, and the CPU ratio
of the many-small-apps case: on a loaded machine that figure holds where wall times do not.
Exit 0 targets met, 1 a target missed, 2 a tool did not pass every test (figures meaningless).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from measure import NotTheSameWork, check_all_passed, median, pytest_counts, run_measured

FEW_FILES, PER_FILE, SLEEP = 3, 11, 0.1
APPS, PER_APP = 20, 100

FEW_VS_XDIST = 1.0
"""orch -n 2 on few large files: at most this multiple of xdist -n 2."""

MANY_ONE_WORKER = 1.1
"""orch -n 1 on many small apps: at most this multiple of plain pytest app by app."""

MANY_TWO_WORKERS = 1.0
"""orch -n 2 on many small apps: below this multiple of plain pytest app by app."""


@dataclass
class Tool:
    """One way of running a case: its command, where orch keeps state, how to read its counts."""

    name: str
    argv: list[str]
    cwd: Path
    home: Callable[[str], Path | None] = lambda label: None
    orch: bool = False


@dataclass
class Case:
    """A generated suite, the tools compared on it, and the expected number of passed tests."""

    name: str
    tests: int
    tools: list[Tool]
    seconds: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)


def main(argv: list[str] | None = None) -> int:
    """Builds both suites, runs every tool, prints both tables and the targets."""
    args = _arguments(argv)
    work = Path(tempfile.mkdtemp(prefix="orch-bench-shapes-"))
    try:
        makers = {"few": few_large_files, "many": many_small_apps}
        chosen = makers if args.case == "both" else {args.case: makers[args.case]}
        cases = [make(work, args) for make in chosen.values()]
        for case in cases:
            measure_case(case, args.repeats, work)
    except NotTheSameWork as problem:
        print(f"BENCHMARK INVALID: {problem}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = summarise(cases)
    print_report(report, args.repeats)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if all(target["pass"] for target in report["targets"]) else 1


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per tool")
    parser.add_argument("--json", help="write the figures as JSON to this file")
    parser.add_argument("--orch", default=str(Path(sys.executable).parent / "orch"))
    parser.add_argument("--keep", action="store_true", help="keep the suites and outputs")
    parser.add_argument(
        "--case", choices=("few", "many", "both"), default="both", help="which shapes to run"
    )
    return parser.parse_args(argv)


def few_large_files(work: Path, args: argparse.Namespace) -> Case:
    """33 tests of 0.1 s in 3 files: whole files cannot be balanced over 2 workers."""
    root = work / "few-large-files"
    root.mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    for number in range(FEW_FILES):
        body = "import time\n\n" + "".join(
            f"def test_{i}():\n    time.sleep({SLEEP})\n\n" for i in range(PER_FILE)
        )
        (root / f"test_f{number}.py").write_text(body, encoding="utf-8")
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    orch = [args.orch, "run", str(root), "-n", "2", "--format", "json"]
    warm = work / "home-few-warm"
    return Case(
        "few large files",
        FEW_FILES * PER_FILE,
        [
            Tool("pytest", pytest, root),
            Tool("xdist -n 2", [*pytest, "-n", "2"], root),
            Tool("orch -n 2 cold", orch, root, lambda label: work / f"home-{label}", True),
            Tool("orch -n 2 warm", orch, root, lambda label: warm, True),
        ],
    )


def many_small_apps(work: Path, args: argparse.Namespace) -> Case:
    """20 applications of 100 trivial tests, listed in one workflow file."""
    root = work / "many-small-apps"
    entries = []
    for number in range(APPS):
        app = root / "apps" / f"app{number:02d}"
        (app / "tests").mkdir(parents=True)
        (app / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        body = "".join(f"def test_{i}():\n    assert {i} == {i}\n\n" for i in range(PER_APP))
        (app / "tests" / "test_app.py").write_text(body, encoding="utf-8")
        entries.append(f"  app{number:02d}:\n    path: apps/app{number:02d}\n    runner: pytest\n")
    workflow = root / "orch.yaml"
    workflow.write_text("applications:\n" + "".join(entries), encoding="utf-8")
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    one_by_one = " && ".join(f"(cd apps/app{n:02d} && {shlex.join(pytest)})" for n in range(APPS))
    xdist_by_one = " && ".join(
        f"(cd apps/app{n:02d} && {shlex.join([*pytest, '-n', '2'])})" for n in range(APPS)
    )
    orch = [args.orch, "run", "-w", str(workflow), "--format", "json"]
    warm = {n: work / f"home-many-warm-{n}" for n in (1, 2)}
    return Case(
        "many small apps",
        APPS * PER_APP,
        [
            Tool("pytest app by app", ["sh", "-c", one_by_one], root),
            Tool("xdist -n 2 app by app", ["sh", "-c", xdist_by_one], root),
            Tool(
                "orch -n 1 cold",
                [*orch, "-n", "1"],
                root,
                lambda label: work / f"home-{label}",
                True,
            ),
            Tool("orch -n 1 warm", [*orch, "-n", "1"], root, lambda label: warm[1], True),
            Tool("orch -n 2 warm", [*orch, "-n", "2"], root, lambda label: warm[2], True),
        ],
    )


def measure_case(case: Case, repeats: int, work: Path) -> None:
    """One unmeasured run of every tool (bytecode, warm histories), then rotating rounds."""
    print(f"{case.name}: {case.tests} tests; warm-up (unmeasured)", flush=True)
    for tool in case.tools:
        _measure(case, tool, work, f"warmup-{_slug(case.name)}-{_slug(tool.name)}")
    for repeat in range(repeats):
        shift = repeat % len(case.tools)
        for tool in case.tools[shift:] + case.tools[:shift]:
            label = f"r{repeat}-{_slug(case.name)}-{_slug(tool.name)}"
            seconds, cpu = _measure(case, tool, work, label)
            case.seconds.setdefault(tool.name, []).append(round(seconds, 3))
            case.cpu.setdefault(tool.name, []).append(round(cpu, 3))
            print(
                f"  repeat {repeat + 1}/{repeats}  {tool.name:<22} {seconds:7.2f} s"
                f"  cpu {cpu:7.2f} s",
                flush=True,
            )


def _measure(case: Case, tool: Tool, work: Path, label: str) -> tuple[float, float]:
    """Wall and CPU seconds (the whole process tree) of one checked run of ``tool``."""
    # the warm-up writes bytecode for every tool (as on a developer's machine), so none pays for it
    unset = ("ORCH_HOME", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    home = tool.home(label)
    if home is not None:
        env["ORCH_HOME"] = str(home)
    measured = run_measured(tool.argv, tool.cwd, env, work / "out", label)
    check_all_passed(f"{case.name}: {tool.name}", case.tests, measured, tool.orch, _summed_counts)
    if home is not None and label in home.name:
        shutil.rmtree(home, ignore_errors=True)  # a cold run's state is not reused
    return measured.seconds, measured.cpu_seconds


def _summed_counts(output: str) -> dict[str, int]:
    """pytest's summary counts added up over every pytest that wrote into ``output``."""
    total: dict[str, int] = {}
    chunks = output.split("\n")
    start = 0
    for index, line in enumerate(chunks):
        if " in " in line and ("passed" in line or "failed" in line or "error" in line):
            for key, value in pytest_counts("\n".join(chunks[start : index + 1])).items():
                total[key] = total.get(key, 0) + value
            start = index + 1
    if not total:
        raise ValueError("no pytest summary line in the output")
    return total


def summarise(cases: list[Case]) -> dict:
    """Medians and ratios per case, and the three targets."""
    figures = {}
    for case in cases:
        medians = {tool: median(seconds) for tool, seconds in case.seconds.items()}
        figures[case.name] = {
            tool: {
                "seconds": case.seconds[tool],
                "median_seconds": round(value, 3),
                "cpu_seconds": case.cpu[tool],
                "median_cpu_seconds": round(median(case.cpu[tool]), 3),
            }
            for tool, value in medians.items()
        }
    targets = []
    if "few large files" in figures:
        targets.append(_few_target(figures["few large files"]))
    if "many small apps" in figures:
        targets += _many_targets(figures["many small apps"])
    return {"cases": figures, "targets": targets, "loadavg_at_end": os.getloadavg()}


def _few_target(few: dict) -> dict:
    """Ratios of the few-large-files case, and its target."""
    xdist = few["xdist -n 2"]["median_seconds"]
    for figure in few.values():
        figure["vs_xdist"] = round(figure["median_seconds"] / xdist, 3)
        figure["vs_pytest"] = round(figure["median_seconds"] / few["pytest"]["median_seconds"], 3)
    worst = max(few["orch -n 2 cold"]["vs_xdist"], few["orch -n 2 warm"]["vs_xdist"])
    return _target("few large files: orch -n 2 <= xdist -n 2", worst, FEW_VS_XDIST, "<=")


def _many_targets(many: dict) -> list[dict]:
    """Ratios of the many-small-apps case, and its two targets (the CPU ratio beside the
    one-worker wall ratio: robust on a loaded machine)."""
    plain = many["pytest app by app"]["median_seconds"]
    plain_cpu = many["pytest app by app"]["median_cpu_seconds"]
    for figure in many.values():
        figure["vs_pytest"] = round(figure["median_seconds"] / plain, 3)
        figure["cpu_vs_pytest"] = round(figure["median_cpu_seconds"] / max(plain_cpu, 1e-9), 3)
    one = max(many["orch -n 1 cold"]["vs_pytest"], many["orch -n 1 warm"]["vs_pytest"])
    one_cpu = max(many["orch -n 1 cold"]["cpu_vs_pytest"], many["orch -n 1 warm"]["cpu_vs_pytest"])
    two = many["orch -n 2 warm"]["vs_pytest"]
    one_worker = _target("many small apps: orch -n 1 <= 1.1x pytest", one, MANY_ONE_WORKER, "<=")
    one_worker["cpu_ratio"] = one_cpu
    return [one_worker, _target("many small apps: orch -n 2 < pytest", two, MANY_TWO_WORKERS, "<")]


def _target(name: str, ratio: float, limit: float, how: str) -> dict:
    held = ratio <= limit if how == "<=" else ratio < limit
    return {"name": name, "ratio": ratio, "limit": limit, "pass": held}


def print_report(report: dict, repeats: int) -> None:
    """One table per case (medians, every run, ratios), then one PASS/FAIL line per target."""
    print(f"\n{repeats} interleaved repeats; load at the end {report['loadavg_at_end'][0]:.2f}")
    for name, tools in report["cases"].items():
        print(f"\n{name}")
        header = f"{'tool':<24} {'median s':>9} {'cpu s':>7}  {'runs s':<28} {'ratio':>22}"
        print(header)
        print("-" * len(header))
        for tool, figure in tools.items():
            runs = ", ".join(f"{seconds:.2f}" for seconds in figure["seconds"])
            ratios = [key for key in ("vs_pytest", "vs_xdist", "cpu_vs_pytest") if key in figure]
            names = {"vs_pytest": "pytest", "vs_xdist": "xdist", "cpu_vs_pytest": "cpu pytest"}
            ratio = "  ".join(f"{figure[key]:.2f}x {names[key]}" for key in ratios)
            cpu = figure["median_cpu_seconds"]
            print(
                f"{tool:<24} {figure['median_seconds']:>9.2f} {cpu:>7.2f}  {runs:<28} {ratio:>22}"
            )
    print()
    for target in report["targets"]:
        verdict = "PASS" if target["pass"] else "FAIL"
        cpu = f", cpu {target['cpu_ratio']:.3f}x" if "cpu_ratio" in target else ""
        print(
            f"{target['name']}: {verdict} ({target['ratio']:.3f}x{cpu}, limit {target['limit']}x)"
        )


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


if __name__ == "__main__":
    sys.exit(main())
