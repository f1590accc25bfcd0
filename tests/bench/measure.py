"""What the benchmarks share: timing a process while sampling its memory, and reading pytest's
summary line, so every tool is measured and checked the same way."""

from __future__ import annotations

import json
import re
import resource
import shlex
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.02
"""How often the memory of a measured process (and of its children) is read."""

MB = 1024 * 1024

_COUNT = re.compile(r"(\d+) ((?:subtests )?[a-z]+)")
_TIMING = re.compile(r"\bin \d+(?:\.\d+)?s\b")
_PLURALS = {"errors": "error", "warnings": "warning"}


class NotTheSameWork(Exception):
    """A tool did not run and pass every generated test: its time cannot be compared."""


@dataclass
class Measurement:
    """One timed run: wall seconds, CPU seconds of the whole process tree, exit code, output
    files, and peak resident memory in bytes."""

    argv: list[str]
    seconds: float
    returncode: int
    stdout: Path
    stderr: Path
    peak_rss: int = 0
    peak_child_rss: int = 0
    peak_children_rss: int = 0
    cpu_seconds: float = 0.0
    """User plus system time of the process and every descendant it waited for: steadier than
    wall time on a loaded machine, where waiting for a core counts in wall time only."""

    def out(self) -> str:
        """The run's standard output."""
        return self.stdout.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 15) -> str:
        """The last lines of stdout and stderr, for a message saying why a run is not valid."""
        text = self.out().splitlines()[-lines:] + ["--- stderr ---"]
        text += self.stderr.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return "\n".join(text)


@dataclass
class _Peaks:
    main: int = 0
    child: int = 0
    children: int = 0


def run_measured(
    argv: list[str], cwd: Path, env: dict[str, str], out_dir: Path, label: str
) -> Measurement:
    """Runs ``argv`` to its end; wall time from start to exit, memory sampled every 20 ms.

    ``peak_rss`` is the started process alone; ``peak_child_rss`` the largest single descendant
    and ``peak_children_rss`` the largest sum of all descendants seen at one sample.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stdout, stderr = out_dir / f"{label}.out", out_dir / f"{label}.err"
    peaks, stop = _Peaks(), threading.Event()
    with stdout.open("wb") as out, stderr.open("wb") as err:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        sampler = threading.Thread(target=_sample, args=(proc.pid, stop, peaks), daemon=True)
        sampler.start()
        returncode = proc.wait()
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stop.set()
    sampler.join()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measurement(
        argv, seconds, returncode, stdout, stderr, peaks.main, peaks.child, peaks.children, cpu
    )


def _sample(pid: int, stop: threading.Event, peaks: _Peaks) -> None:
    try:
        process = psutil.Process(pid)
    except psutil.Error:
        return
    while not stop.is_set():
        try:
            peaks.main = max(peaks.main, process.memory_info().rss)
            children = process.children(recursive=True)
        except psutil.Error:
            return
        total = 0
        for child in children:
            try:
                rss = child.memory_info().rss
            except psutil.Error:
                continue
            peaks.child = max(peaks.child, rss)
            total += rss
        peaks.children = max(peaks.children, total)
        stop.wait(SAMPLE_SECONDS)


def pytest_counts(output: str) -> dict[str, int]:
    """Counts of pytest's final summary line (``1 failed, 9 passed, 2 skipped in 0.1s``).

    Keys are pytest's words made singular (``error``, ``warning``); ``subtests passed`` stays as
    is. Raises ValueError naming the last lines when there is no summary line.
    """
    for line in reversed(output.splitlines()):
        if _TIMING.search(line) and _COUNT.search(line):
            counts: dict[str, int] = {}
            for number, word in _COUNT.findall(line.split(" in ")[0]):
                key = _PLURALS.get(word, word)
                counts[key] = counts.get(key, 0) + int(number)
            return counts
    last = " | ".join(output.splitlines()[-3:])
    raise ValueError(f"no pytest summary line in the output (last lines: {last!r})")


def check_all_passed(
    tool: str,
    tests: int,
    measured: Measurement,
    orch: bool,
    pytest_output: Callable[[str], dict[str, int]] = pytest_counts,
) -> None:
    """Raises NotTheSameWork unless the run exited 0 with exactly ``tests`` passed: counted from
    orch's JSON report when ``orch``, else from pytest's output by ``pytest_output``.

    Every benchmark checks every run this way, so no tool's time counts for less work."""
    counts: dict[str, object]
    try:
        if orch:
            report = json.loads(measured.out())
            counts = {key: value for key, value in report["summary"].items() if value}
            if len(report["tests"]) != tests:
                counts["tests listed"] = len(report["tests"])
        else:
            counts = dict(pytest_output(measured.out()))
    except (ValueError, KeyError) as problem:
        counts = {"unreadable output": str(problem)}
    if measured.returncode != 0 or counts != {"passed": tests}:
        raise NotTheSameWork(
            f"{tool} did not pass all {tests} tests: exit code {measured.returncode}, counts "
            f"{counts}\ncommand: {shlex.join(measured.argv)}\n{measured.tail()}"
        )


def median(values: list[float]) -> float:
    """The median: the figure every benchmark reports, since one time on a shared machine lies."""
    return statistics.median(values)
