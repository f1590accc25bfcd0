"""Registers the JUnit XML and TestNG parsers and the command runner with orch (entry ``junit``)."""

from __future__ import annotations

from orch.adapters.junit.command import CommandRunner
from orch.adapters.junit.junitxml import JUnitXmlParser
from orch.adapters.junit.testng import TestNGParser
from orch.ports import hookimpl


@hookimpl
def orch_register_result_parsers() -> list[type]:
    """The JUnit XML parser (every common dialect) and the TestNG ``testng-results.xml`` parser."""
    return [JUnitXmlParser, TestNGParser]


@hookimpl
def orch_register_test_runners() -> list[type]:
    """The runner for any shell command that writes JUnit XML or TestNG results."""
    return [CommandRunner]
