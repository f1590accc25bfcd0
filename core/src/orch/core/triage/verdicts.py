"""A failure's category decided from its evidence, with the reason and a confidence.

The order is the strength of the evidence: a crashed process; a cause orch knows that puts the
fault in the machine (a refused connection, a full or read-only disk, a name that does not
resolve); a missing module or file, placed inside or outside the repository; then where the
exception was raised: in the application's code (a product bug), in a fixture or setup (an
automation bug), or in the test itself, where the test is the oracle: a failed assertion on a
value the product returned is a product bug, a call to an API that is not there, with the
wrong arity, or on a fixture that gave ``None`` is an automation bug. The knowledge base is
the last word only when none of this evidence is there.
"""

from __future__ import annotations

import re

from attrs import frozen

from orch.core.triage.evidence import Evidence, frame_words, mentions, own_names
from orch.core.triage.knowledge import FIXTURE_HINT, KnownCause
from orch.core.triage.places import Place, plain_path
from orch.ports import Failure
from orch.ports.triage import AUTOMATION_BUG, ENVIRONMENT_ISSUE, PRODUCT_BUG


@frozen
class Verdict:
    """A category with its defect type, the evidence that decided it in words, a confidence
    (0..1) and a hint of what to do."""

    category: str
    defect_type: str
    reason: str
    confidence: float
    hint: str = ""


@frozen
class Known:
    """A known cause the knowledge base found, with where and what it matched."""

    cause: KnownCause
    kind: str
    found: str
    confidence: float

    @property
    def reason(self) -> str:
        """What matched where, in words."""
        return f"known cause '{self.cause.name}' matched {self.found!r} in the {self.kind}"

    def verdict(self, evidence: str = "") -> Verdict:
        """The known cause as a verdict, with the ``evidence`` that goes with it in words."""
        reason = f"{self.reason}; {evidence}" if evidence else self.reason
        return Verdict(
            self.cause.name, self.cause.defect_type, reason, self.confidence, self.cause.hint
        )


CRASH_HINT = (
    "The test process ended abruptly: a signal (SIGSEGV, SIGABRT) means native code crashed, an "
    "exit code means the code under test ended the process; make it raise instead."
)
KILLED_HINT = (
    "The test process was killed from outside (SIGKILL: most often the out-of-memory killer or "
    "a CI limit); raise the environment's memory or time limits."
)
APP_HINT = "The application's own code raised while the test ran; fix the code at that frame."
ASSERT_HINT = (
    "The product returned a value the test does not expect; check the change under test (or "
    "the expectation, if the behaviour changed on purpose)."
)
STALE_HINT = (
    "The test calls an API that is not there or with the wrong arguments; update the test to "
    "the application's current API."
)
HELPER_HINT = "Code the tests share (a helper, a test class) raised; fix it."
DATA_HINT = "A file the tests read is missing from the repository; restore it or fix its path."
MISSING_FILE_HINT = "A file outside the repository is missing; provision it in the environment."
DEPENDENCY_HINT = "A third-party module is not installed; install it in the test environment."
IMPORT_HINT = "A test imports a module or name the repository does not have; fix the import."

_OWN_MODULE = re.compile(
    r"No module named '([\w.]+)'|cannot import name '\w+' from '([\w.]+)'"
    r"|Cannot find (?:module|package) '([^'\n]+)'"
)
_MODULE_WORDS = ("No module named", "cannot import name", "Cannot find ")
_STALE = re.compile(
    r"module '[\w.]+' has no attribute|type object '[\w.]+' has no attribute"
    r"|takes \d+ positional arguments? but \d+ (?:was|were) given|missing \d+ required"
    r"|got an unexpected keyword argument|got multiple values for argument|is not defined\b"
    r"|is not a function|is not a constructor"
)
_NONE_VALUE = re.compile(
    r"'NoneType' object|Cannot read propert(?:y|ies) of (?:undefined|null)"
    r"|undefined is not|null is not|NullPointerException"
)
_REJECTED_NONE = re.compile(
    r"\b(?:must not|cannot|can't|may not|should not|must never) be (?:None|null|undefined)\b"
    r"|\bgot None\b|\bexpected [^\n]{1,40}, got NoneType"
)
_LOGIC_ERRORS = frozenset(
    {"TypeError", "ValueError", "KeyError", "IndexError", "AttributeError", "ZeroDivisionError",
     "RangeError", "RecursionError", "NotImplementedError", "UnboundLocalError", "StopIteration",
     "ArithmeticError", "OverflowError", "LookupError", "UnicodeDecodeError", "RuntimeError",
     "IllegalArgumentException", "IllegalStateException", "NullPointerException",
     "ArrayIndexOutOfBoundsException", "IndexOutOfBoundsException", "ClassCastException",
     "ArithmeticException", "UnsupportedOperationException", "NumberFormatException"}
)  # fmt: skip


def judge(failure: Failure, evidence: Evidence, known: Known | None) -> Verdict | None:
    """The category ``evidence`` decides, or ``None`` when it decides nothing; ``known`` is
    the knowledge base's match (in the message, type and trace only, not the logs)."""
    for step in (_crashed, _machine, _missing_module, _missing_file, _raised):
        verdict = step(failure, evidence, known)
        if verdict is not None:
            return verdict
    return None


def _crashed(failure: Failure, evidence: Evidence, known: Known | None) -> Verdict | None:
    if not evidence.crash:
        return None
    said = f"evidence: the test process crashed ({evidence.crash!r})"
    if evidence.killed and known is not None and known.cause.name == "out_of_memory":
        return known.verdict(said)
    if evidence.killed:
        return Verdict(
            "killed", ENVIRONMENT_ISSUE, f"{said}, killed from outside", 0.85, KILLED_HINT
        )
    return Verdict("crash", PRODUCT_BUG, said, 0.8, CRASH_HINT)


MACHINE_CAUSES = frozenset(
    {"out_of_memory", "connection_refused", "dns_failure", "disk_full", "permission_denied",
     "read_only_disk", "timeout"}
)  # fmt: skip
"""Known causes that put the fault in the machine wherever the exception was raised."""


def _machine(failure: Failure, evidence: Evidence, known: Known | None) -> Verdict | None:
    """A known cause that puts the fault in the machine, wherever it was raised."""
    if known is None or known.cause.name not in MACHINE_CAUSES:
        return None
    where = _raised_words(evidence)
    return known.verdict(f"raised in {where}" if where else "")


def _missing_module(failure: Failure, evidence: Evidence, known: Known | None) -> Verdict | None:
    """A missing module: the repository's own (a broken import) or a third party's."""
    texts = (failure.result.message, failure.result.longrepr[:4000])
    said = [text for text in texts if mentions(text, _MODULE_WORDS)]
    found = next((m for text in said if (m := _OWN_MODULE.search(text))), None)
    if found is None:
        return None
    name = next(group for group in found.groups() if group)
    if _is_own_module(name, found, failure):
        reason = f"evidence: the tests import {name!r}, which is the repository's own and missing"
        return Verdict("broken_import", AUTOMATION_BUG, reason, 0.8, IMPORT_HINT)
    reason = f"evidence: {name!r} is not the repository's own module and is not installed"
    return Verdict("missing_dependency", ENVIRONMENT_ISSUE, reason, 0.85, DEPENDENCY_HINT)


def _is_own_module(name: str, found: re.Match[str], failure: Failure) -> bool:
    """Whether the missing module or name is the repository's: a relative specifier, a name
    its frames or test id use, a source file not an installed package's (an ES module import
    names the file it resolved to), or (``cannot import name X from Y (PATH)``) a module ``Y``
    whose file is not an installed package's."""
    if name.startswith((".", "/")) or name.split(".")[0].split("/")[0] in own_names(failure):
        return True
    if _SOURCE_FILE.search(name) and not _INSTALLED.search(name):
        return True
    source = re.match(r" \(([^)\n]+)\)", found.string[found.end() :])
    return source is not None and not _INSTALLED.search(source.group(1))


_INSTALLED = re.compile(r"site-packages|dist-packages|/lib/python3|node_modules")
_SOURCE_FILE = re.compile(r"/[^/]+\.(?:[cm]?[jt]sx?|json)$")


def _missing_file(failure: Failure, evidence: Evidence, known: Known | None) -> Verdict | None:
    path = evidence.path
    if not path:
        return None
    if _inside(path, failure):
        reason = f"evidence: the missing file {path!r} lies inside the repository (test data)"
        return Verdict("missing_test_data", AUTOMATION_BUG, reason, 0.8, DATA_HINT)
    reason = f"evidence: the missing file {path!r} lies outside the repository"
    return Verdict("missing_file", ENVIRONMENT_ISSUE, reason, 0.75, MISSING_FILE_HINT)


def _inside(path: str, failure: Failure) -> bool:
    """Whether ``path`` lies in the repository: a relative path (the tests run from it), a
    pytest temporary directory, or one under a folder the failure's own frames live in."""
    path = path.replace("\\", "/")
    if not path.startswith("/") and not re.match(r"[A-Za-z]:/", path):
        return True
    if "/pytest-of-" in path:
        return True
    for frame in failure.frames:
        file = plain_path(frame.file)
        if not file or file.startswith("<"):
            continue
        if file.startswith("/"):
            root = file.rsplit("/", 2)[0]
            if path.startswith(root + "/"):
                return True
        elif "/" in file and f"/{file.split('/')[0]}/" in path:
            return True
    return False


def _raised(failure: Failure, evidence: Evidence, known: Known | None) -> Verdict | None:
    """The verdict of where the exception was raised, and of the test as the oracle."""
    kind = evidence.kind
    text = failure.result.message or failure.result.longrepr[:2000]
    if "fixture '" in text and "' not found" in text:
        reason = "evidence: the test asks for a fixture that does not exist"
        return Verdict("fixture_error", AUTOMATION_BUG, reason, 0.9, FIXTURE_HINT)
    place = evidence.own_place
    if evidence.in_app:
        return _in_app(evidence, text)
    if evidence.phase in ("setup", "teardown") or place is Place.FIXTURE:
        where = _raised_words(evidence)
        said = f"{kind or 'an error'} raised during {evidence.phase}" + (
            f" in {where}" if where else ""
        )
        return Verdict("fixture_error", AUTOMATION_BUG, f"evidence: {said}", 0.8, FIXTURE_HINT)
    if evidence.assertion:
        on = f" on {evidence.symbol}()" if evidence.symbol else ""
        reason = f"evidence: the test's assertion{on} failed ({evidence.mismatch})"
        return Verdict("assertion_failure", PRODUCT_BUG, reason, 0.75, ASSERT_HINT)
    if place is Place.TEST:
        return _in_test(failure, evidence, text)
    return None


def _in_app(evidence: Evidence, text: str) -> Verdict:
    """The application's code raised, or test code it called back: a product bug, unless it
    rejected an empty value the test handed it."""
    kind = evidence.kind or "the exception"
    if evidence.called_back and evidence.app is not None:
        said = f"{kind} raised in test code the application called back"
        reason = f"evidence: {said} ({frame_words(evidence.app)})"
        return Verdict("application_error", PRODUCT_BUG, reason, 0.7, APP_HINT)
    if _REJECTED_NONE.search(text):
        rejected = f"{evidence.kind} raised in {_raised_words(evidence)}"
        reason = f"evidence: the application rejected an empty value the test gave it ({rejected})"
        return Verdict("fixture_error", AUTOMATION_BUG, reason, 0.6, FIXTURE_HINT)
    reason = f"evidence: {kind} raised in {_raised_words(evidence)}"
    return Verdict("application_error", PRODUCT_BUG, reason, 0.85, APP_HINT)


def _in_test(failure: Failure, evidence: Evidence, text: str) -> Verdict | None:
    """The test's own code raised: an API it calls is not there, or a value is wrong."""
    kind = evidence.kind
    where = _raised_words(evidence)
    empty = _NONE_VALUE.search(text)
    if empty is not None and _from_fixture(failure):
        reason = f"evidence: a fixture's value is empty where {where} uses it"
        return Verdict("fixture_error", AUTOMATION_BUG, reason, 0.7, FIXTURE_HINT)
    stale = _STALE.search(text) if empty is None else None
    if stale is not None or kind == "NameError":
        said = stale.group() if stale is not None else kind
        reason = f"evidence: {kind} raised in {where}: {said!r}, the test's call does not fit"
        return Verdict("stale_test_code", AUTOMATION_BUG, reason, 0.75, STALE_HINT)
    if evidence.helper:
        reason = f"evidence: {kind or 'an error'} raised in a helper of the tests ({where})"
        return Verdict("test_code_error", AUTOMATION_BUG, reason, 0.7, HELPER_HINT)
    if kind in _LOGIC_ERRORS or empty is not None:
        reason = f"evidence: {kind or 'an error'} raised in {where} on a value the product returned"
        return Verdict("unexpected_value", PRODUCT_BUG, reason, 0.6, ASSERT_HINT)
    return None


def _from_fixture(failure: Failure) -> bool:
    """Whether the failing line of a pytest trace uses a test parameter (a fixture) directly."""
    trace = failure.result.longrepr
    signature = re.search(r"^\s*def test\w*\(([^)]*)\)", trace, re.MULTILINE)
    failing = re.search(r"^>\s+(.+)$", trace, re.MULTILINE)
    if signature is None or failing is None:
        return False
    parameters = {p.split(":")[0].strip() for p in signature.group(1).split(",")} - {"self", ""}
    used = re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*(?:\.|\[)", failing.group(1))
    return bool(parameters & set(used))


def _raised_words(evidence: Evidence) -> str:
    """Where the exception was raised, in words with its frame."""
    if evidence.raised is None:
        return ""
    words = evidence.raised.words
    if evidence.where:
        own = evidence.own_place.words if evidence.own_place else ""
        if evidence.raised is evidence.own_place:
            return f"{words} ({evidence.where})"
        return f"{words}, called from {own} ({evidence.where})"
    return words
