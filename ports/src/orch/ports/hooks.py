# mypy: disable-error-code="empty-body"
"""pluggy hook specifications of orch: how adapters make themselves known.

An adapter distribution names a module in the ``orch`` entry-point group; that module implements
some of these hooks with ``@hookimpl``. Registration hooks return classes carrying ``PLUGIN_NAME``.
"""

from __future__ import annotations

import pluggy

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


KINDS = {
    "runner": "orch_register_test_runners",
    "parser": "orch_register_result_parsers",
    "executor": "orch_register_executors",
    "store": "orch_register_stores",
    "vcs": "orch_register_vcs",
    "tracker": "orch_register_issue_trackers",
    "impact": "orch_register_change_impact",
}
"""Each kind of adapter and the registration hook that provides it."""
