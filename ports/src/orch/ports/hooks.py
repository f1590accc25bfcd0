# mypy: disable-error-code="empty-body"
"""pluggy hook specifications of orch: how adapters make themselves known, and what a run
tells plugins while it goes on.

An adapter distribution names a module in the ``orch`` entry-point group; that module implements
some of these hooks with ``@hookimpl``. Registration hooks return classes carrying ``PLUGIN_NAME``.
Lifecycle hooks (``orch_run_start`` ... ``orch_run_finish``, pytest's ``runtest`` protocol in
spirit) are called in this order during one run::

    orch_run_start
        orch_app_start                       once per application, before its first node
            orch_node_start / orch_node_finish   around each node of the plan (a shard)
            orch_test_result                 each test's final result, as it lands
            orch_progress                    at least every second, from start to end
        orch_app_finish                      once the application's last node has finished
    orch_run_finish                          the finished run; reports are written here

Reporters (the JUnit XML and JSON reports, the terminal display) are plugins on these hooks.
Implementations may take any subset of a hook's arguments, by name; hooks only ever gain
optional arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from orch.ports.model import Application, RunningTest, TestResult
    from orch.ports.plan import NodeFinish, PlanNode
    from orch.ports.run import Counts, RunResult

PROJECT = "orch"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def orch_register_test_runners() -> list[type]:
    """Return the TestRunner classes this plugin provides.

    :return: classes implementing ``orch.ports.TestRunner``, each with a unique ``PLUGIN_NAME``.

    .. versionadded:: 0.1
    """


@hookspec
def orch_register_result_parsers() -> list[type]:
    """Return the ResultParser classes this plugin provides.

    :return: classes implementing ``orch.ports.ResultParser``, each with a unique ``PLUGIN_NAME``.

    .. versionadded:: 0.1
    """


@hookspec
def orch_register_executors() -> list[type]:
    """Return the Executor classes this plugin provides.

    :return: classes implementing ``orch.ports.Executor``, each with a unique ``PLUGIN_NAME``.

    .. versionadded:: 0.1
    """


@hookspec
def orch_register_stores() -> list[type]:
    """Return the Store classes this plugin provides; they are built with the state directory.

    :return: classes implementing ``orch.ports.Store``, each with a unique ``PLUGIN_NAME``.

    .. versionadded:: 0.1
    """


@hookspec
def orch_register_vcs() -> list[type]:
    """Return the Vcs classes this plugin provides.

    :return: classes implementing ``orch.ports.Vcs``, each with a unique ``PLUGIN_NAME``.

    .. versionadded:: 0.1
    """


@hookspec
def orch_register_issue_trackers() -> list[type]:
    """Return the IssueTracker classes this plugin provides.

    :return: classes implementing ``orch.ports.IssueTracker``, each with a unique ``PLUGIN_NAME``.

    .. versionadded:: 0.1
    """


@hookspec
def orch_register_change_impact() -> list[type]:
    """Return the ChangeImpact classes (one language's analysis each) this plugin provides.

    :return: classes implementing ``orch.ports.ChangeImpact``, each with a unique ``PLUGIN_NAME``,
        built without arguments.

    .. versionadded:: 0.2
    """


@hookspec
def orch_register_provisioners() -> list[type]:
    """Return the Provisioner classes (what starts an environment's services) this plugin provides.

    :return: classes implementing ``orch.ports.Provisioner``, each with a unique ``PLUGIN_NAME``
        and the ``SERVICE_TYPES`` it starts, built without arguments.

    .. versionadded:: 0.3
    """


@hookspec
def orch_register_data_sinks() -> list[type]:
    """Return the DataSink classes (what loads test data where applications read it).

    :return: classes implementing ``orch.ports.data.DataSink``, each with a unique
        ``PLUGIN_NAME`` (the key of a dataset's ``sink:`` block), built without arguments.

    .. versionadded:: 0.4
    """


@hookspec
def orch_register_sql_probes() -> list[type]:
    """Return the SqlProbe classes (what runs the query of a flow step's ``sql`` wait).

    :return: classes implementing ``orch.ports.conditions.SqlProbe``, each with a unique
        ``PLUGIN_NAME`` (the database it speaks to: ``postgres``), built without arguments.

    .. versionadded:: 0.5
    """


@hookspec
def orch_register_field_kinds() -> list[type]:
    """Return the FieldKind classes (kinds of generated values, such as ``email``).

    :return: classes implementing ``orch.ports.field_kinds.FieldKind``, each with a unique
        ``PLUGIN_NAME`` (the kind's name in a schema), built without arguments.

    .. versionadded:: 0.4
    """


@hookspec
def orch_run_start(
    root: Path, applications: Sequence[Application], commit: str, resume: str | None
) -> None:
    """A run is about to start: nothing has run yet.

    :param root: the workflow's root directory (where ``.orch/`` lives unless ``ORCH_HOME``).
    :param applications: the applications the run covers, in the workflow's order.
    :param commit: the commit the run is recorded under ("" outside version control).
    :param resume: the id of the killed run this one continues, or None for a new run.

    .. versionadded:: 0.2
    """


@hookspec
def orch_app_start(app: Application) -> None:
    """An application's first node is about to start.

    :param app: the application.

    .. versionadded:: 0.2
    """


@hookspec
def orch_node_start(node: PlanNode) -> None:
    """A node of the run's plan (today: a shard of one application's tests) is starting.

    :param node: the node, with its id, kind, application, label and dependencies.

    .. versionadded:: 0.2
    """


@hookspec
def orch_test_result(result: TestResult) -> None:
    """A test's final result (after its retries), as it lands; output is already redacted.

    :param result: the result. Its message and output are the test's and untrusted: escape
        them for whatever format a plugin writes.

    .. versionadded:: 0.2
    """


@hookspec
def orch_node_finish(node: PlanNode, finish: NodeFinish) -> None:
    """A node of the run's plan has finished.

    :param node: the node, as ``orch_node_start`` received it.
    :param finish: its outcome and, unless it passed, the reason (a ``blocked`` node names
        the dependency that stopped it).

    .. versionadded:: 0.2
    """


@hookspec
def orch_app_finish(app: Application, counts: Counts) -> None:
    """An application's last node has finished.

    :param app: the application.
    :param counts: the final outcomes of its tests.

    .. versionadded:: 0.2
    """


@hookspec
def orch_progress(counts: Counts, running: Sequence[RunningTest]) -> None:
    """The run's state, a few times a second while something changes and at least every second
    (so a plugin can tell how long the running tests have been running).

    :param counts: queued, running and finished tests of the whole run so far.
    :param running: the tests running now, each with when it started (wall clock).

    .. versionadded:: 0.2
    """


@hookspec
def orch_run_finish(result: RunResult, reports: Mapping[str, Path]) -> str | None:
    """The run has finished and been triaged: write reports, notify, gate.

    Every implementation is called, even when an earlier one returned a problem.

    :param result: the finished run: results, counts, exit code, triage, problems so far.
    :param reports: the report files the run was asked for, by format (``junit-xml`` and
        ``json``: ``orch run --junit-xml/--json``); the built-in reporters write these.
    :return: None, or a problem the plugin met (e.g. ``out/report.md: the report could not be
        written (Permission denied)``); each becomes a problem of the run, which then exits 4.

    .. versionadded:: 0.2
    """


LIFECYCLE = (
    "orch_run_start",
    "orch_app_start",
    "orch_node_start",
    "orch_test_result",
    "orch_node_finish",
    "orch_app_finish",
    "orch_progress",
    "orch_run_finish",
)
"""The lifecycle hooks, in the order they are first called during a run."""


KINDS = {
    "runner": "orch_register_test_runners",
    "parser": "orch_register_result_parsers",
    "executor": "orch_register_executors",
    "store": "orch_register_stores",
    "vcs": "orch_register_vcs",
    "tracker": "orch_register_issue_trackers",
    "impact": "orch_register_change_impact",
    "provisioner": "orch_register_provisioners",
    "sink": "orch_register_data_sinks",
    "field": "orch_register_field_kinds",
    "probe": "orch_register_sql_probes",
}
"""Each kind of adapter and the registration hook that provides it."""
