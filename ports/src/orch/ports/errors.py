"""Domain errors of core and adapters; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class OrchError(Exception):
    """Base of every error orch reports to its user as one clear line."""


class ConfigError(OrchError):
    """The workflow or the command line is wrong (exit code 2)."""


class EnvironmentProblem(OrchError):
    """The machine cannot do what was asked: missing command, interpreter or directory (exit 4)."""


class PluginError(OrchError):
    """Adapters could not be loaded or registered, e.g. two packages claim the same name."""


class ResultFileError(OrchError):
    """A result file could not be read; ``path`` names it and the message says why."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
