"""What isolation costs: the same small pytest suite by ``orch run``, plain, in the sandbox and
in a container.

Generates ``--tests`` small tests (a little arithmetic and a temporary file each) in ``--files``
modules, and three workflows that differ only in the application's ``isolation`` (``none``,
``sandbox``, ``container``). One untimed run of each (bytecode, the container image, history),
then ``--repeats`` rounds of the three, the order rotating each round, each ``orch run -n 2
--format json`` with its own kept ``ORCH_HOME`` and ``--pause`` seconds after it (the Docker
engine's clean-up after a container would otherwise slow the next run); every run must pass
every test. Prints the median wall seconds of each run and the median CPU seconds of its
shards (as orch measured them, in the JSON report's ``shards``), and their ratios to plain.
Exit 0 when the sandbox adds less than 10 % wall time, 1 when it adds more, 2 when a run did
not do the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from measure import NotTheSameWork, check_all_passed, median, run_measured

MODES = ("none", "sandbox", "container")
SANDBOX_TARGET = 1.10
"""The sandbox's wall time may be at most this multiple of the plain run's."""

TEST = """
def test_{i}(tmp_path):
    (tmp_path / "n").write_text(str(sum(k * k for k in range({i} % 50 * 100))))
    assert (tmp_path / "n").read_text().isdigit()
"""


def generate(root: Path, tests: int, files: int) -> None:
    tests_dir = root / "suite" / "tests"
    tests_dir.mkdir(parents=True)
    for f in range(files):
        (tests_dir / f"test_m{f}.py").write_text(
            "".join(TEST.format(i=i) for i in range(f, tests, files))
        )
    for mode in MODES:
        (root / mode).mkdir()
        (root / mode / "orch.yaml").write_text(
            textwrap.dedent(
                f"""
                applications:
                  suite:
                    path: ../suite
                    runner: pytest
                    isolation: {mode}
                """
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--json", default="")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="orch-bench-isolation-"))
    orch = str(Path(sys.executable).parent / "orch")
    try:
        generate(root, args.tests, args.files)
        times: dict[str, list[float]] = {mode: [] for mode in MODES}
        cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
        for round_ in range(-1, args.repeats):  # round -1: the untimed warm-up
            order = MODES[round_ % 3 :] + MODES[: round_ % 3]
            for mode in order:
                env = {**os.environ, "ORCH_HOME": str(root / f"home-{mode}")}
                argv = [orch, "run", str(root / mode), "-n", "2", "--format", "json"]
                measured = run_measured(argv, root, env, root / "out", f"{mode}-{round_}")
                check_all_passed(mode, args.tests, measured, orch=True)
                if round_ >= 0:
                    shards = json.loads(measured.out())["shards"]
                    times[mode].append(measured.seconds)
                    cpu[mode].append(sum(shard["cpu_seconds"] for shard in shards))
                time.sleep(args.pause)
        return report(times, cpu, args)
    except NotTheSameWork as problem:
        print(f"BENCHMARK INVALID: {problem}")
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def report(times: dict[str, list[float]], cpu: dict[str, list[float]], args) -> int:
    plain = median(times["none"])
    print(f"{args.tests} tests in {args.files} files, orch run -n 2, medians of {args.repeats}")
    print(f"{'isolation':<10} {'wall s':>8} {'x plain':>8} {'shard CPU s':>12} {'x plain':>8}")
    figures = {}
    for mode in MODES:
        wall, used = median(times[mode]), median(cpu[mode])
        ratio, cpu_ratio = wall / plain, used / median(cpu["none"])
        figures[mode] = {"wall": wall, "wall_ratio": ratio, "cpu": used, "cpu_ratio": cpu_ratio}
        print(f"{mode:<10} {wall:8.2f} {ratio:8.2f} {used:12.2f} {cpu_ratio:8.2f}")
    sandbox = figures["sandbox"]["wall_ratio"]
    met = sandbox < SANDBOX_TARGET
    print(
        f"target: the sandbox adds < {SANDBOX_TARGET - 1:.0%} wall time: "
        f"{'PASS' if met else 'MISSED'} ({sandbox - 1:+.1%}); "
        f"a container adds {figures['container']['wall_ratio'] - 1:+.1%}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": times, "cpu": cpu, "figures": figures}))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
