"""orch's overhead against plain pytest and pytest-xdist on a suite of trivial tests.

Generates N trivial tests in F files, then times, interleaved and repeated in rotating order:
plain pytest, pytest-xdist ``-n W``, ``orch run -n W`` with an empty state dir (cold) and with a
state dir that keeps its history across runs (warm). Every run must report all N tests passed.
Prints medians and ratios and the targets; exit 0 targets met, 1 a target missed, 2 the tools
did not all do the same work (the figures are then meaningless). Then, unless ``--case trivial``,
the two suite shapes of ``shapes.py``: few large files, and many small applications.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import shapes
from measure import MB, Measurement, NotTheSameWork, check_all_passed, median, run_measured

TIME_TARGET = 1.05
"""orch's wall time may be at most this multiple of pytest-xdist's."""

MEMORY_TARGET_MB = 200
"""The orchestrator process itself (not its pytest children) may peak at this many MB."""

TOOLS = ("pytest", "xdist", "orch cold", "orch warm")


@dataclass
class Run:
    """One measured run of one tool, as written to the JSON report."""

    tool: str
    repeat: int
    position: int
    seconds: float
    peak_rss_mb: float
    peak_child_rss_mb: float
    peak_children_rss_mb: float


def main() -> int:
    """The trivial-suite case, then (``--case``) the two suite shapes of ``shapes.py``; the
    worst exit code of the two."""
    args = _arguments()
    codes = []
    if args.case in ("trivial", "all"):
        codes.append(trivial_suite(args))
    if args.case in ("shapes", "all"):
        print("\n### few large files, many small apps (tests/bench/shapes.py)", flush=True)
        extra = ["--json", str(Path(args.json).with_suffix(".shapes.json"))] if args.json else []
        extra += ["--keep"] if args.keep else []
        codes.append(shapes.main(["--repeats", str(args.repeats), "--orch", args.orch, *extra]))
    return max(codes)


def trivial_suite(args: argparse.Namespace) -> int:
    """Builds the suite, runs the tools, prints the table and targets; returns the exit code."""
    work = Path(tempfile.mkdtemp(prefix="orch-bench-overhead-"))
    try:
        suite = generate_suite(work / "suite", args.tests, args.files)
        runs = benchmark(args, suite, work)
    except NotTheSameWork as problem:
        print(f"BENCHMARK INVALID: {problem}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = summarise(args, runs)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0 if all(target["pass"] for target in report["targets"].values()) else 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per tool")
    parser.add_argument("--tests", type=int, default=10_000, help="trivial tests to generate")
    parser.add_argument("--files", type=int, default=200, help="test files to spread them over")
    parser.add_argument("--workers", type=int, default=2, help="-n for xdist and orch")
    parser.add_argument("--json", help="write the figures as JSON to this file")
    parser.add_argument("--orch", default=str(Path(sys.executable).parent / "orch"))
    parser.add_argument("--keep", action="store_true", help="keep the suite and outputs")
    parser.add_argument(
        "--case",
        choices=("trivial", "shapes", "all"),
        default="all",
        help="the trivial suite, the two shapes of shapes.py (few large files, many small apps)",
    )
    return parser.parse_args()


def generate_suite(root: Path, tests: int, files: int) -> Path:
    """Writes ``tests`` functions ``def test_i(): assert i == i`` over ``files`` modules."""
    root.mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    per_file = math.ceil(tests / files)
    for number in range(files):
        first, last = number * per_file, min(tests, (number + 1) * per_file)
        body = "".join(f"def test_{i}():\n    assert {i} == {i}\n\n\n" for i in range(first, last))
        (root / f"test_m{number:04d}.py").write_text(body, encoding="utf-8")
    return root


def benchmark(args: argparse.Namespace, suite: Path, work: Path) -> list[Run]:
    """Warm-ups (unmeasured), then ``repeats`` rounds of every tool in rotating order."""
    warm_home = work / "orch-home-warm"
    commands = _commands(args, suite)
    print(f"suite: {args.tests} tests in {args.files} files at {suite}", flush=True)
    print("warm-up (unmeasured): pytest, to write the bytecode; orch, to record durations")
    pytest = _measure(commands["pytest"], suite, work, "warmup-pytest", None)
    check_all_passed("pytest", args.tests, pytest, orch=False)
    orch = _measure(commands["orch"], suite, work, "warmup-orch", warm_home)
    check_all_passed("orch warm", args.tests, orch, orch=True)
    runs: list[Run] = []
    for repeat in range(args.repeats):
        shift = repeat % len(TOOLS)
        order = TOOLS[shift:] + TOOLS[:shift]
        for position, tool in enumerate(order):
            label = f"r{repeat}-{tool.replace(' ', '-')}"
            home = _orch_home(tool, work, label, warm_home)
            command = commands["orch" if tool.startswith("orch") else tool]
            measured = _measure(command, suite, work, label, home)
            check_all_passed(tool, args.tests, measured, orch=tool.startswith("orch"))
            runs.append(_run(tool, repeat, position, measured))
            print(f"  repeat {repeat + 1}/{args.repeats}  {tool:<9} {measured.seconds:7.2f} s")
            if home is not None and home != warm_home:
                shutil.rmtree(home, ignore_errors=True)
    return runs


def _commands(args: argparse.Namespace, suite: Path) -> dict[str, list[str]]:
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return {
        "pytest": [*pytest, str(suite)],
        "xdist": [*pytest, "-n", str(args.workers), str(suite)],
        "orch": [args.orch, "run", str(suite), "-n", str(args.workers), "--format", "json"],
    }


def _orch_home(tool: str, work: Path, label: str, warm_home: Path) -> Path | None:
    if tool == "orch warm":
        return warm_home
    if tool == "orch cold":
        return work / f"orch-home-{label}"
    return None


def _measure(
    argv: list[str], suite: Path, work: Path, label: str, orch_home: Path | None
) -> Measurement:
    env = {key: value for key, value in os.environ.items() if key != "ORCH_HOME"}
    if orch_home is not None:
        env["ORCH_HOME"] = str(orch_home)
    return run_measured(argv, suite, env, work / "out", label)


def _run(tool: str, repeat: int, position: int, measured: Measurement) -> Run:
    return Run(
        tool,
        repeat,
        position,
        round(measured.seconds, 3),
        round(measured.peak_rss / MB, 1),
        round(measured.peak_child_rss / MB, 1),
        round(measured.peak_children_rss / MB, 1),
    )


def summarise(args: argparse.Namespace, runs: list[Run]) -> dict:
    """Medians per tool, ratios to pytest and xdist, and the two targets, as one JSON-able dict."""
    tools = {}
    for tool in TOOLS:
        mine = [run for run in runs if run.tool == tool]
        tools[tool] = {
            "seconds": [run.seconds for run in mine],
            "median_seconds": round(median([run.seconds for run in mine]), 3),
            "median_peak_rss_mb": round(median([run.peak_rss_mb for run in mine]), 1),
            "max_peak_rss_mb": max(run.peak_rss_mb for run in mine),
            "max_child_rss_mb": max(run.peak_child_rss_mb for run in mine),
            "max_children_rss_mb": max(run.peak_children_rss_mb for run in mine),
        }
    pytest, xdist = tools["pytest"]["median_seconds"], tools["xdist"]["median_seconds"]
    for figures in tools.values():
        figures["vs_pytest"] = round(figures["median_seconds"] / pytest, 3)
        figures["vs_xdist"] = round(figures["median_seconds"] / xdist, 3)
    orch_memory = max(tools["orch cold"]["max_peak_rss_mb"], tools["orch warm"]["max_peak_rss_mb"])
    worst = max(tools["orch cold"]["vs_xdist"], tools["orch warm"]["vs_xdist"])
    return {
        "settings": {
            "tests": args.tests,
            "files": args.files,
            "workers": args.workers,
            "repeats": args.repeats,
        },
        "machine": _machine(),
        "tools": tools,
        "runs": [asdict(run) for run in runs],
        "targets": {
            "time": {"limit": TIME_TARGET, "worst_ratio": worst, "pass": worst <= TIME_TARGET},
            "memory": {
                "limit_mb": MEMORY_TARGET_MB,
                "peak_mb": orch_memory,
                "pass": orch_memory <= MEMORY_TARGET_MB,
            },
        },
    }


def _machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
        "python": platform.python_version(),
        "pytest": version("pytest"),
        "pytest-xdist": version("pytest-xdist"),
        "orch": version("orch"),
    }


def print_report(report: dict) -> None:
    """The table of medians and ratios, then one PASS/FAIL line per target."""
    settings, machine = report["settings"], report["machine"]
    print(
        f"\n{settings['tests']} trivial tests in {settings['files']} files, -n "
        f"{settings['workers']}, {settings['repeats']} interleaved repeats; {machine['cpus']} "
        f"cpus, load {machine['loadavg_at_end'][0]:.2f}; python {machine['python']}, pytest "
        f"{machine['pytest']}, xdist {machine['pytest-xdist']}, orch {machine['orch']}"
    )
    header = (
        f"{'tool':<10} {'median s':>9} {'runs s':<30} {'/pytest':>8} {'/xdist':>7} "
        f"{'main RSS MB':>12} {'child max MB':>13} {'children sum MB':>16}"
    )
    print(header)
    print("-" * len(header))
    for tool, figures in report["tools"].items():
        runs = ", ".join(f"{seconds:.1f}" for seconds in figures["seconds"])
        print(
            f"{tool:<10} {figures['median_seconds']:>9.2f} {runs:<30} "
            f"{figures['vs_pytest']:>7.2f}x {figures['vs_xdist']:>6.2f}x "
            f"{figures['max_peak_rss_mb']:>12.1f} {figures['max_child_rss_mb']:>13.1f} "
            f"{figures['max_children_rss_mb']:>16.1f}"
        )
    tools, targets = report["tools"], report["targets"]
    print(
        "(main RSS: peak of the started process alone, max over runs; child max: largest single "
        "descendant; children sum: largest total of all descendants at one sample)\n"
    )
    print(
        f"orch/xdist: cold {tools['orch cold']['vs_xdist']:.2f}x, warm "
        f"{tools['orch warm']['vs_xdist']:.2f}x; orch/pytest: cold "
        f"{tools['orch cold']['vs_pytest']:.2f}x, warm {tools['orch warm']['vs_pytest']:.2f}x"
    )
    time, memory = targets["time"], targets["memory"]
    print(
        f"orch wall time <= {time['limit']}x xdist: {_verdict(time)} "
        f"({time['worst_ratio']:.3f}x, the worse of cold and warm)"
    )
    print(
        f"orchestrator peak memory <= {memory['limit_mb']} MB: {_verdict(memory)} "
        f"({memory['peak_mb']:.0f} MB)"
    )


def _verdict(target: dict) -> str:
    return "PASS" if target["pass"] else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
