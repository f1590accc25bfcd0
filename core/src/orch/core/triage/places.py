"""Where a stack frame's code lives: the test's own code, a fixture, the application, a library
or the standard library, or the test runner.

``place_of`` places one frame by its path; ``places_of`` places a whole trace, where the
outermost frame of the repository's own code is the test (or, failing in setup, the fixture)
whatever its path says: the runner calls it first.

Triage reads a failure's cause from where its exception was raised (an exception raised in the
application's code is a product bug; one raised in the test's own code, calling an API that is
not there, is an automation bug), so every frame is placed first. Placement goes by path and
name conventions of pytest, node and the JVM build tools, which hold without the repository
at hand: result files are often triaged far from the checkout that wrote them.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Sequence

from orch.ports import Frame


class Place(enum.Enum):
    """The kind of code a frame runs."""

    TEST = "test"
    FIXTURE = "fixture"
    APP = "app"
    LIBRARY = "library"
    RUNNER = "runner"

    @property
    def words(self) -> str:
        """The place as a reason says it."""
        return _WORDS[self]


OWN = frozenset({Place.TEST, Place.FIXTURE, Place.APP})
"""The places of the repository's own code (tests, fixtures, application)."""

_WORDS = {
    Place.TEST: "the test's own code",
    Place.FIXTURE: "a fixture or setup code",
    Place.APP: "the application's code",
    Place.LIBRARY: "a library or the standard library",
    Place.RUNNER: "the test runner",
}

_RUNNER = re.compile(
    r"/_pytest/|/pluggy/|/xdist/|node:internal/test_runner|/unittest/(?:case|suite|main)\.py"
    r"|/mocha/|/jest-circus/|/jest-runner/|/vitest/"
)
_RUNNER_FUNCTIONS = (
    "org.junit.",
    "junit.",
    "org.apache.maven.surefire.",
    "org.gradle.",
    "org.testng.",
    "org.opentest4j.",
    "NUnit.",
    "Xunit.",
)
_LIBRARY = re.compile(
    r"site-packages|dist-packages|node_modules|node:|<frozen |/lib/python3|/usr/lib/|<string>"
    r"|^<anonymous>$"
)
_LIBRARY_FUNCTIONS = (
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "kotlin.",
    "scala.",
    "System.",
    "Microsoft.",
)
_FIXTURE_FILE = re.compile(r"(?:^|/)fixtures?(?:/|\.)")
_TEST_FILE = re.compile(
    r"(?:^|/)(?:tests?|testing|__tests__|spec|specs|src/test|it)/"
    r"|(?:^|/)test_[^/]*\.py$|_tests?\.py$"
    r"|[.\-_](?:test|spec)\.[cm]?[jt]sx?$|(?:^|/)test-[^/]*\.[cm]?js$"
    r"|(?:Tests?|IT|Spec)\.(?:java|kt|scala|groovy)$|Tests?\.cs$"
)
_TEST_CLASS = re.compile(r"(?:^|\.)\w*(?:Tests?|IT|Spec)(?:\.|\$|$)")


def plain_path(file: str) -> str:
    """A frame's path with forward slashes and no ``file://``, as every reader here wants it."""
    return file.replace("\\", "/").removeprefix("file://")


def place_of(frame: Frame) -> Place:
    """Where ``frame``'s code lives, by its path and, on the JVM, its class name."""
    return _place(frame.file, frame.function)


@functools.lru_cache(maxsize=65_536)
def _place(file: str, function: str) -> Place:
    """The place of a (file, function): cached, for a run's failures pass the same code."""
    path = plain_path(file)
    if _RUNNER.search(path) or function.startswith(_RUNNER_FUNCTIONS):
        return Place.RUNNER
    if _LIBRARY.search(path) or function.startswith(_LIBRARY_FUNCTIONS):
        return Place.LIBRARY
    if _FIXTURE_FILE.search(path):
        return Place.FIXTURE
    if _TEST_FILE.search(path) or _TEST_CLASS.search(function.rsplit("(", 1)[0]):
        return Place.TEST
    return Place.APP


def places_of(by_path: Sequence[Place], setup: bool) -> list[Place]:
    """The places of a trace's frames (outermost first) from their places ``by_path``;
    ``setup``: the failure happened in setup or teardown, so its outermost own frame is a
    fixture's."""
    places = list(by_path)
    first = next((i for i, place in enumerate(places) if place in OWN), None)
    if first is not None:
        places[first] = Place.FIXTURE if setup else Place.TEST
    return places


def is_app_frame(frame: Frame) -> bool:
    """Whether a frame is in the repository's own code (its tests or the application), not a
    library, runtime or test runner."""
    return place_of(frame) in OWN
