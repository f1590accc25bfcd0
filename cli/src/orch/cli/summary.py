"""The terminal summary at the end of a run: failures, the slowest tests and the totals."""

from __future__ import annotations

import click

from orch.cli.text import first_line, safe
from orch.core import RunResult

FAILURE_LINES = 15


def print_summary(result: RunResult, slowest: int = 10) -> None:
    """Print failures (with the end of their tracebacks), the slowest tests and the counts."""
    failures = result.failed_tests
    if failures:
        click.secho(f"\n{len(failures)} failing test(s)", bold=True)
        for failure in failures:
            click.secho(f"\n{failure.outcome.value.upper()} {safe(failure.id)}", fg="red")
            click.echo(f"  {first_line(failure.message, 200)}")
            tail = [line for line in failure.longrepr.splitlines() if line.strip()]
            for line in tail[-FAILURE_LINES:]:
                click.echo(f"    {safe(line)[:200]}")
    flaky = [r for r in result.results if r.outcome.value == "flaky"]
    if flaky:
        click.secho(f"\n{len(flaky)} flaky test(s) (passed on retry)", fg="yellow")
        for test in flaky:
            click.echo(f"  {safe(test.id)}: {first_line(test.message, 160)}")
    for problem in result.problems:
        click.secho(f"\nproblem: {first_line(problem, 300)}", fg="red")
    timed = [r for r in result.slowest(slowest) if r.duration >= 0.005]
    if timed:
        click.secho(f"\nslowest {len(timed)} test(s)", bold=True)
        for test in timed:
            click.echo(f"  {test.duration:8.2f}s  {safe(test.id)}")
    colour = "red" if result.counts.problems else "green"
    click.secho(
        f"\n{result.counts.line()} in {result.seconds:.2f}s (run {result.run_id})",
        fg=colour,
        bold=True,
    )
