"""The terminal summary at the end of a run: failures, the slowest tests and the totals."""

from __future__ import annotations

import click

from orch.cli.text import first_line, safe
from orch.core import RunResult
from orch.ports import TestResult

FAILURE_LINES = 15


def print_root_causes(clusters) -> None:
    """One line per root cause: its share of the failures, its tests and its message."""
    click.secho(f"\n{len(clusters)} root cause(s)", bold=True)
    for cluster in clusters:
        tests = f"{len(cluster.tests)} test{'s' if len(cluster.tests) != 1 else ''}"
        click.echo(f"  {cluster.share:5.0%}  {tests:9} {first_line(cluster.representative, 140)}")


def attempts(result: TestResult) -> str:
    """`` (3 attempts)`` for a test that was retried, '' for one that ran once."""
    return f" ({result.attempt} attempts)" if result.attempt > 1 else ""


def print_summary(result: RunResult, slowest: int = 10) -> None:
    """Print failures (with the end of their tracebacks), the slowest tests and the counts."""
    failures = result.failed_tests
    if failures:
        click.secho(f"\n{len(failures)} failing test(s)", bold=True)
        for failure in failures:
            result_of = failure.result
            click.secho(
                f"\n{result_of.outcome.value.upper()} {safe(failure.id)}{attempts(result_of)}",
                fg="red",
            )
            click.echo(f"  {first_line(result_of.message, 200)}")
            tail = [line for line in result_of.longrepr.splitlines() if line.strip()]
            for line in tail[-FAILURE_LINES:]:
                click.echo(f"    {safe(line)[:200]}")
            if failure.category:
                owner = f", assigned to {safe(failure.assigned_to)}" if failure.assigned_to else ""
                click.echo(
                    f"  -> {safe(failure.category)} ({failure.defect_type}, {failure.history})"
                    f"{owner}"
                )
            if failure.suggestion:
                click.echo(f"  -> {first_line(failure.suggestion, 200)}")
    if result.triage and result.triage.clusters:
        print_root_causes(result.triage.clusters)
    flaky = [r for r in result.results if r.outcome.value == "flaky"]
    if flaky:
        click.secho(f"\n{len(flaky)} flaky test(s) (passed on retry)", fg="yellow")
        for test in flaky:
            click.echo(f"  {safe(test.id)}{attempts(test)}: {first_line(test.message, 160)}")
    for problem in result.problems:
        click.secho(f"\nproblem: {first_line(problem, 300)}", fg="red")
    timed = [r for r in result.slowest(slowest) if r.duration >= 0.005]
    if timed:
        click.secho(f"\nslowest {len(timed)} test(s)", bold=True)
        for test in timed:
            click.echo(f"  {test.duration:8.2f}s  {safe(test.id)}")
    colour = "red" if result.counts.problems or result.interrupted else "green"
    state = ", interrupted" if result.interrupted else ""
    click.secho(
        f"\n{result.counts.line()} in {result.seconds:.2f}s (run {result.run_id}{state})",
        fg=colour,
        bold=True,
    )
