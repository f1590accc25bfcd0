"""The report use case: what a run tells the outside, through the lifecycle hooks.

``relay.HookRelay`` turns a run's observer calls into the ``orch_`` hooks; the built-in
reporters are plugins on them, registered by name in every plugin manager before the entry
points' (pytest's ``default_plugins``), so they load exactly like third-party reporters.
"""

DEFAULT_PLUGINS = ("orch.core.report.junit_xml", "orch.core.report.json_report")
"""The modules of the built-in reporters, registered as plugins under these names."""
