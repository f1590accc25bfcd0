"""The simulators' expectations as results of the run: when the last node waiting for an
environment has finished, just before it goes, the run asks ``Environments.expectations`` and
makes each check a test result of the first application waiting for that environment
(``simulator:card-bank::expect POST /charges``, passed or failed, marker ``expect:card-bank``),
so the reports, the summary and the exit code count it like any test.

A route's calls are every request the run sent it, retries included, and across a resume:
each check's calls go to ``expectations.jsonl`` in the run's folder (a line per check, appended:
method, path and status of what was sent, nothing more), and a resumed run that brings the
environment up again adds the earlier calls to what its own simulators saw and checks again (a
later attempt, which replaces the earlier result). When that cannot be right, nothing is
checked and the run says why once, failing no test: the environment was replaced during the
run (what was sent before went with it), or a resumed run carried results of its tests while
no check was ever saved (the interrupted run's simulators went without being read).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from attrs import evolve

from orch.core.run.results import Results
from orch.core.workflow.model import Workflow
from orch.ports import Outcome, TestResult
from orch.ports.simulator import (
    EXPECTATION_MARKER,
    SHOWN_REQUESTS,
    ExpectationCheck,
    expectation_of,
)

CHECKS_FILE = "expectations.jsonl"


class ExpectationResults:
    """Turns the checks of ``workflow``'s environments into ``results``; ``run_dir`` keeps
    what each check counted, for a resume."""

    def __init__(self, workflow: Workflow, results: Results, run_dir: Path) -> None:
        self.workflow = workflow
        self.results = results
        self.path = run_dir / CHECKS_FILE
        self.earlier = _saved(self.path)
        self.carried = {r.app for r in results.finals.values() if expectation_of(r) is None}
        """The applications whose results a resumed run carried over (known before it plans)."""

    def record(
        self, name: str, app: str, checks: Sequence[ExpectationCheck], replaced: bool
    ) -> None:
        """The ``checks`` of environment ``name`` are results of ``app`` (none: nothing to do);
        ``replaced``: the environment was replaced during the run."""
        if not checks:
            return
        why = self._unchecked(name, replaced)
        if why:
            self.results.problem(
                f"environment '{name}': its simulators' expectations were not checked: {why}"
            )
            return
        self._save(name, checks)
        for check in checks:
            self._final(app, _plus(check, self.earlier.get((name, check.service, check.route))))

    def _unchecked(self, name: str, replaced: bool) -> str:
        """Why the checks of environment ``name`` would be wrong, "" when they are not."""
        if replaced:
            return "it was replaced during the run, and what was sent before went with it"
        users = {app.name for app in self.workflow.applications if app.environment == name}
        saved = any(key[0] == name for key in self.earlier)
        if users & self.carried and not saved:
            return (
                "this resumed run sent only part of the requests (the rest went to the "
                "interrupted run's simulators, never read)"
            )
        return ""

    def _final(self, app: str, check: ExpectationCheck) -> None:
        result = TestResult(
            app,
            check.nodeid,
            Outcome.PASSED if check.ok else Outcome.FAILED,
            message=self.results.redactor.text(message(check)),
            markers=(EXPECTATION_MARKER + check.service,),
        )
        earlier = self.results.finals.get((app, check.nodeid))
        if earlier is not None:  # checked again by a resumed run, with the earlier calls
            self.results.forget((app, check.nodeid))
            result = evolve(result, attempt=earlier.attempt + 1)
        self.results.final(result)

    def _save(self, name: str, checks: Iterable[ExpectationCheck]) -> None:
        """Append what ``checks`` counted (this process's calls only: the file sums them)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(
            json.dumps(
                {
                    "environment": name,
                    "service": check.service,
                    "route": check.route,
                    "calls": check.calls,
                    "received": [self.results.redactor.text(r) for r in check.received],
                }
            )
            + "\n"
            for check in checks
            if not check.problem
        )
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        with os.fdopen(os.open(self.path, flags, 0o600), "a", encoding="utf-8") as file:
            file.write(lines)


def message(check: ExpectationCheck) -> str:
    """``simulator 'card-bank' expected POST /charges exactly 1 time, got 2: POST /charges
    201, POST /charges 201``; with what no route answered when it got none, or why its record
    could not be read."""
    said = f"simulator '{check.service}' expected {check.route} {check.expect.text}"
    if check.problem:
        return f"{said}; its requests could not be read: {check.problem}"
    said += f", got {check.calls}"
    if check.received:
        more = check.calls - len(check.received)
        said += ": " + ", ".join(check.received) + (f" and {more} more" if more > 0 else "")
    if not check.calls and check.unmatched:
        said += "; no route answered " + ", ".join(check.unmatched)
    return said


def _plus(check: ExpectationCheck, earlier: tuple[int, tuple[str, ...]] | None) -> ExpectationCheck:
    """``check`` with the calls an interrupted or finished run of the same id counted before."""
    if earlier is None or check.problem:
        return check
    calls, received = earlier
    return evolve(
        check, calls=check.calls + calls, received=(*received, *check.received)[:SHOWN_REQUESTS]
    )


def _saved(path: Path) -> dict[tuple[str, str, str], tuple[int, tuple[str, ...]]]:
    """What the checks of the run being resumed counted, summed per environment, service and
    route (a line cut short by a kill is the last one, and left out)."""
    found: dict[tuple[str, str, str], tuple[int, tuple[str, ...]]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            data: Any = json.loads(line)
            key = (str(data["environment"]), str(data["service"]), str(data["route"]))
            calls, received = int(data["calls"]), tuple(str(r) for r in data["received"])
        except (ValueError, KeyError, TypeError):
            continue
        before = found.get(key, (0, ()))
        found[key] = (before[0] + calls, (*before[1], *received)[:SHOWN_REQUESTS])
    return found
