"""orch.adapters.junit: JUnit XML and TestNG result parsers, and a runner for any shell command."""

from orch.adapters.junit.command import CommandRunner, CommandSettings, NoEvents
from orch.adapters.junit.junitxml import JUnitXmlParser
from orch.adapters.junit.testng import TestNGParser

__all__ = ["CommandRunner", "CommandSettings", "JUnitXmlParser", "NoEvents", "TestNGParser"]
