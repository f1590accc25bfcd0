"""How right is orch's failure analysis on failures nobody here wrote or tuned on?

Reads the generated ground truth (tests/data/triage_truth: real PyPI and npm projects' own test
suites run with injected faults of known cause, see truth_python.py and truth_node.py), triages
the held-out projects' result files in one call, and prints, next to the four-regex baseline
on the same failures: the accuracy of the defect type, the share left ``to_investigate``, the
pairwise precision, recall and F1 of the clusters against the root causes, and clusters per
root cause; then the accuracy per category and per framework, the same figures on the tuning
part, and triage's throughput on the held-out failures repeated to ``--failures``. Exit 1 when
a held-out figure misses its goal or is not above the baseline's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))

from attrs import evolve  # noqa: E402
from triage_grading import Figures, by_group, figures, grade, held_out, tuning  # noqa: E402
from truth_labels import Label  # noqa: E402

from orch.core.triage.analysis import TRIAGED, triage  # noqa: E402
from orch.core.triage.categories import categorise  # noqa: E402
from orch.core.triage.clustering import cluster_failures  # noqa: E402
from orch.core.triage.traces import failure_from  # noqa: E402
from orch.ports import TestResult, TriageSettings  # noqa: E402

GOALS = {"accuracy": 0.90, "to_investigate": 0.10, "f1": 0.70, "throughput": 10_000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    labels = held_out()
    if not labels:
        print("no held-out labels under tests/data/triage_truth: run the generators first")
        return 2
    ours, baseline, results = grade(labels)
    print(
        f"held-out: {len(ours)} failures, {len({x.root_cause for x in labels})} root causes, "
        f"projects {', '.join(sorted({x.project for x in labels}))}"
    )
    table(figures(ours), figures(baseline))
    for name, key in (("category", _category), ("framework", _framework)):
        print(f"\nper {name}: accuracy, to_investigate share, pairwise F1 (orch | baseline)")
        per_group(by_group(ours, key), by_group(baseline, key))
    tuned = tuning()
    if tuned:
        tuned_ours, tuned_baseline, _ = grade(tuned)
        print(f"\ntuning part ({len(tuned)} failures; rules were written against it):")
        table(figures(tuned_ours), figures(tuned_baseline))
    rate, whole = throughput(results, args.failures, args.repeats)
    print(
        f"\nthroughput on {args.failures:,} held-out failures (medians of {args.repeats}): "
        f"categorised and clustered {rate:,.0f}/s (goal >= {GOALS['throughput']:,}); "
        f"the whole triage with trace parsing {whole:,.0f}/s"
    )
    return 0 if meets_goals(figures(ours), figures(baseline), rate) else 1


def table(ours: Figures, baseline: Figures) -> None:
    """The headline figures side by side."""
    rows = (
        ("defect type accuracy", ours.accuracy, baseline.accuracy, ">= 0.90"),
        ("to_investigate share", ours.to_investigate, baseline.to_investigate, "<= 0.10"),
        ("pairwise precision", ours.precision, baseline.precision, ""),
        ("pairwise recall", ours.recall, baseline.recall, ""),
        ("pairwise F1", ours.f1, baseline.f1, ">= 0.70"),
    )
    print(f"{'measure':24} {'orch':>8} {'baseline':>9}  goal")
    for name, a, b, goal in rows:
        print(f"{name:24} {a:8.2f} {b:9.2f}  {goal}")
    print(
        f"{'clusters / root causes':24} {ours.clusters:>4}/{ours.root_causes:<3} "
        f"{baseline.clusters:>5}/{baseline.root_causes:<3}  close to 1"
    )


def per_group(ours: dict[str, Figures], baseline: dict[str, Figures]) -> None:
    """The figures of each group, orch next to the baseline."""
    for name, mine in ours.items():
        base = baseline[name]
        print(
            f"  {name:18} {mine.failures:4} failures  {mine.accuracy:5.2f} | {base.accuracy:5.2f}"
            f"   {mine.to_investigate:5.2f} | {base.to_investigate:5.2f}"
            f"   {mine.f1:5.2f} | {base.f1:5.2f}"
        )


def _category(label: Label) -> str:
    return label.category


def _framework(label: Label) -> str:
    return label.framework


def throughput(results: list[TestResult], count: int, repeats: int) -> tuple[float, float]:
    """Failures per second on the held-out results repeated (under new app names) to ``count``
    failures: categorised and clustered, their traces parsed beforehand (the issue's figure, as
    ``triage_speed.py`` measures it), and the whole of ``triage`` with the parsing."""
    failing = [r for r in results if r.outcome in TRIAGED]
    copies = max(1, count // max(len(failing), 1))
    many = [evolve(r, app=f"{r.app}#{i}") for i in range(copies) for r in failing]
    parsed = [failure_from(r) for r in many]
    analysed, whole = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        cluster_failures([categorise(f, ()) for f in parsed])
        analysed.append(len(parsed) / (time.perf_counter() - start))
        start = time.perf_counter()
        triage(many, TriageSettings())
        whole.append(len(many) / (time.perf_counter() - start))
    return statistics.median(analysed), statistics.median(whole)


def meets_goals(ours: Figures, baseline: Figures, rate: float) -> bool:
    """Whether every held-out figure meets its goal and beats the baseline."""
    checks = {
        "accuracy": ours.accuracy >= GOALS["accuracy"] and ours.accuracy > baseline.accuracy,
        "to_investigate": ours.to_investigate <= GOALS["to_investigate"],
        "f1": ours.f1 >= GOALS["f1"] and ours.f1 > baseline.f1,
        "throughput": rate >= GOALS["throughput"],
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'MISS'} {name}")
    return all(checks.values())


if __name__ == "__main__":
    sys.exit(main())
