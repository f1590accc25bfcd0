"""Domain errors of core and adapters; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class OrchError(Exception):
    """Base of every error orch reports to its user as one clear line."""


class ConfigError(OrchError):
    """The workflow or the command line is wrong (exit code 2)."""


class NotARepository(ConfigError):
    """The directory is not under version control, so no change set can be computed."""


class UnknownRevision(ConfigError):
    """A base or head names no commit of the repository (a typo, or a branch not fetched)."""


class MissingHistory(ConfigError):
    """The base commit is not in this (shallow) clone."""


class EnvironmentProblem(OrchError):
    """The machine cannot do what was asked: missing command, interpreter or directory (exit 4)."""


class StoreProblem(EnvironmentProblem):
    """orch's store cannot be read or written (damaged, foreign, read-only, full, locked): the
    message names the file and says what to do; a run that meets it mid-way keeps its reports."""


class DataProblem(EnvironmentProblem):
    """Test data could not be generated, loaded, copied or reset (a database that is down, a
    sink that rejects a row): the run starts no test that needs it (exit 4)."""


class MissingProgram(EnvironmentProblem):
    """A program the run needs (an application's interpreter) does not exist: nothing can run."""


class PluginError(OrchError):
    """Adapters could not be loaded or registered, e.g. two packages claim the same name."""


class ResultFileError(OrchError):
    """A result file could not be read; ``path`` names it and the message says why."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
