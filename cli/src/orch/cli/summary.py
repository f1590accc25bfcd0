"""The terminal summary at the end of a run: failures, flows and what each application ran or
had blocked, the slowest tests and the totals."""

from __future__ import annotations

from collections import Counter

import click

from orch.cli.text import first_line, safe
from orch.core import RunResult
from orch.ports import Outcome, TestResult

FAILURE_LINES = 15


TESTS_NAMED = 3
"""Tests named under each root cause; the rest are counted."""


def print_root_causes(clusters) -> None:
    """The root causes of the failing tests, largest first: share, tests (named) and message;
    a cluster of tests that all passed on retry is listed apart, as flaky, and counts for no share.
    """
    failing = [(c, [f for f in c.failures if f.outcome.is_failure]) for c in clusters]
    causes = [(cluster, members) for cluster, members in failing if members]
    total = sum(len(members) for _, members in causes)
    if causes:
        click.secho(f"\n{len(causes)} root cause(s) of {total} failing test(s)", bold=True)
    for cluster, members in causes:
        click.echo(f"  {len(members) / total:5.0%}  {first_line(cluster.representative, 140)}")
        if cluster.cause:
            click.echo(f"         cause: {first_line(cluster.cause, 140)}")
        _name_tests([f.id for f in members])
    flaky = [cluster for cluster, members in failing if not members]
    if flaky:
        click.secho(f"\n{len(flaky)} flaky root cause(s) (passed on retry)", bold=True)
        for cluster in flaky:
            click.echo(f"         {first_line(cluster.representative, 140)}")
            _name_tests(list(cluster.tests))


def _name_tests(ids: list[str]) -> None:
    named = ", ".join(safe(test) for test in ids[:TESTS_NAMED])
    more = f" and {len(ids) - TESTS_NAMED} more" if len(ids) > TESTS_NAMED else ""
    click.echo(f"         {len(ids)} test{'s' if len(ids) != 1 else ''}: {named}{more}")


def attempts(result: TestResult) -> str:
    """`` (3 attempts)`` for a test that was retried, '' for one that ran once."""
    return f" ({result.attempt} attempts)" if result.attempt > 1 else ""


def print_pinned_shards(result: RunResult) -> None:
    """What each shard pinned to CPUs of its own (a performance test's) used: its CPUs, CPU
    time and peak memory, so a slow one is told from a starved one."""
    pinned = [shard for shard in result.shards if shard.cpus]
    if pinned:
        click.secho(f"\n{len(pinned)} shard(s) on CPUs of their own", bold=True)
    for shard in pinned:
        cpus = ",".join(str(cpu) for cpu in shard.cpus)
        used = "not measured"
        if shard.use is not None:
            mib = shard.use.peak_memory / 2**20
            used = f"{shard.use.cpu_seconds:.2f}s CPU, peak {mib:.1f} MiB"
        attempt = f" (attempt {shard.attempt})" if shard.attempt > 1 else ""
        click.echo(f"  {safe(shard.node)}{attempt}: CPU {cpus}, {shard.seconds:.2f}s, {used}")


def print_flows(result: RunResult) -> None:
    """Where each flow broke, and per application what ran and what was blocked, and why
    (a run with flows, or with anything blocked)."""
    blocked = [r for r in result.results if r.outcome is Outcome.BLOCKED]
    if not result.flows and not blocked:
        return
    for flow in result.flows:
        broke = flow.broke_at
        where = f", broke at {safe(broke.step)} ({safe(broke.app)})" if broke else ""
        click.echo(f"\nflow {safe(flow.name)}: {flow.outcome.value}{where}")
    click.secho("\nper application", bold=True)
    by_app: dict[str, list[TestResult]] = {}
    for test in result.results:
        by_app.setdefault(test.app, []).append(test)
    for app, tests in by_app.items():
        ran = [t for t in tests if t.outcome is not Outcome.BLOCKED]
        outcomes = Counter(t.outcome.value for t in ran)
        said = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        line = f"  {safe(app)}: ran {len(ran)}" + (f" ({said})" if said else "")
        why = Counter(first_line(t.message, 120) for t in tests if t.outcome is Outcome.BLOCKED)
        if why:
            line += f"; blocked {sum(why.values())}: " + "; ".join(
                f"{reason}" + (f" (x{n})" if n > 1 else "") for reason, n in why.items()
            )
        click.echo(line)


PRIORITIES_SHOWN = 5
"""How many shards' priority terms the summary shows (the JSON report has them all)."""


def print_phases(result: RunResult) -> None:
    """Each phase: its strategy, counts, pass rate, time and what its gate said; then the
    shards that went first and the terms of their priority."""
    for phase in result.phases:
        combinations = f" {', '.join(phase.combinations)}" if phase.combinations else ""
        said = ", ".join(f"{n} {outcome}" for outcome, n in phase.outcomes.items()) or "no tests"
        rate = "" if phase.pass_rate is None else f"; pass rate {phase.pass_rate:.1f}%"
        gate = phase.gate
        if phase.verdict is not None and not phase.verdict.passed:
            gate += ": " + "; ".join(phase.verdict.reasons)
            gate += " (the run halted)" if phase.verdict.halted else " (on_fail: continue)"
        line = f"phase {phase.name} ({phase.strategy}{combinations}): {said}{rate}"
        click.echo(safe(f"{line}; {phase.seconds:.1f}s; gate {gate}"))
    ranked = sorted(result.priorities, key=lambda terms: -terms.total)[:PRIORITIES_SHOWN]
    if ranked:
        click.secho("\nfirst by priority (declared + dynamic terms)", bold=True)
    for terms in ranked:
        parts = " + ".join([str(terms.base), *(f"{n} {v}" for n, v in terms.terms.items())])
        click.echo(safe(f"  {terms.node}: {parts} = {terms.total}"))


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
    print_pinned_shards(result)
    print_flows(result)
    if result.phases:
        click.echo()
        print_phases(result)
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
