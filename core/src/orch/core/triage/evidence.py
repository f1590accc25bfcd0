"""What a failure itself shows about its cause, read from its trace and messages.

The evidence, not keywords, decides a failure's category (``verdicts``) and its root cause
(``clustering``): the phase it failed in (collection, setup, call, teardown), where its exception
was raised (``places``), whether an assertion failed and on which application symbol, how a
crashed process ended, and which path a file error names. Every reader here is line based over
texts bounded as the category rules' are, so triage stays fast on large runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from attrs import frozen

from orch.core.triage.places import OWN, Place, place_of, places_of, plain_path
from orch.ports import Failure, Frame

ASSERTION_TYPES = frozenset(
    {
        "AssertionError",
        "AssertionFailedError",
        "ComparisonFailure",
        "AssertionException",
        "AssertFailedException",
        "MultipleFailuresError",
        "ERR_ASSERTION",
        "Failed",
    }
)


@frozen
class Evidence:
    """The facts about one failure that its category and root cause are read from.

    ``raised`` is where the exception was raised (the innermost frame), ``own`` the innermost
    frame of the repository's own code (``None`` without frames) and ``app`` the innermost of the
    application's; ``helper`` that the exception was raised in test code the test called (a
    helper, a test class's method), ``called_back`` in test code the application called (a
    callback the test passed it: the application gave it the wrong values); ``kind`` is the
    exception type without its package; ``crash`` says how the process ended when it did not
    end normally, ``killed`` that it was ended from outside (SIGKILL, the OOM killer);
    ``symbol`` is the application function a failing assertion checks and ``mismatch`` the
    kind of comparison that failed; ``path`` the file a file error names.
    """

    phase: str
    raised: Place | None
    own: Frame | None
    own_place: Place | None
    assertion: bool
    app: Frame | None = None
    helper: bool = False
    called_back: bool = False
    kind: str = ""
    crash: str = ""
    killed: bool = False
    symbol: str = ""
    mismatch: str = ""
    path: str = ""

    @property
    def in_app(self) -> bool:
        """Whether the application's own code raised, or test code it called back (not the test
        asserting on a value it returned)."""
        if self.own_place is Place.APP:
            return not (self.assertion and self.raised is not Place.APP)
        return self.called_back and not self.assertion

    @property
    def where(self) -> str:
        """The innermost own frame as ``file:line in function()``, or ``""``."""
        return frame_words(self.own) if self.own is not None else ""


def frame_words(frame: Frame) -> str:
    """``frame`` as a reason names it: ``file:line in function()``."""
    function = f" in {frame.function}()" if frame.function else ""
    return f"{short_file(frame.file)}:{frame.line}{function}"


def mentions(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``words``: a cheap test before a pattern is searched."""
    for word in words:  # noqa: SIM110 - twice as fast as any() over a generator
        if word in text:
            return True
    return False


def short_file(file: str) -> str:
    """The last two parts of a frame's path, the part that names it across checkouts."""
    return "/".join(plain_path(file).rsplit("/", 2)[-2:])


# --- the phase -------------------------------------------------------------------------------

_COLLECTION = (
    "collection failure",
    "ImportError while importing test module",
    "ERROR collecting",
    "error during collection",
    "Test suite failed to run",
)


def _phase(message: str, trace: str, own_functions: Iterable[str]) -> str:
    head = f"{message}\n{trace[:2000]}"
    if mentions(head, _COLLECTION):
        return "collection"
    if "failed on teardown with" in head or "error at teardown of" in head:
        return "teardown"
    if "failed on setup with" in head or "error at setup of" in head:
        return "setup"
    functions = {name.rsplit(".", 1)[-1] for name in own_functions}
    hook = _HOOK.search(head) if " hook" in head else None
    if not functions.isdisjoint(_SETUP_FUNCTIONS) or (hook and (hook["before"] or hook["before2"])):
        return "setup"
    if not functions.isdisjoint(_TEARDOWN_FUNCTIONS) or hook:
        return "teardown"
    return "call"


_SETUP_FUNCTIONS = frozenset({"setUp", "setUpClass", "setup_method", "setup_class", "setup"})
_TEARDOWN_FUNCTIONS = frozenset({"tearDown", "tearDownClass", "teardown_method", "teardown"})
_HOOK = re.compile(
    r"\"(?:(?P<before>before)|after) (?:all|each)\" hook"
    r"|\b(?:(?P<before2>before)|after)(?:Each|All)?\s+hook"
)


# --- crashes ---------------------------------------------------------------------------------

_SIGNAL = re.compile(
    r"\b(SIG(?:SEGV|ABRT|BUS|ILL|FPE|KILL|TERM|INT|HUP|TRAP|SYS))\b|signal (\d+)\b"
    r"|Segmentation fault|core dumped|Fatal Python error: (\w+)"
)
_CRASH = re.compile(
    r"test process died|worker '[^'\n]*' crashed while running|node down: Not properly terminated"
    r"|The forked VM terminated"
    r"|Crashed tests:|Test host process crashed|Fatal Python error"
    r"|A fatal error has been detected by the Java Runtime Environment"
    r"|(?:exitCode|exit code|exited with code|exit status)[:=]? ?(\d+)"
    r"|signal: '(SIG\w+)'|Segmentation fault|core dumped"
)
_CRASH_WORDS = (
    "died",
    "crash",
    "terminated",
    "xit",
    "signal",
    "SIG",
    "Fatal",
    "fatal",
    "core dump",
)
"""Words one of which every crash report has: a cheap test before the pattern."""
_KILLED = re.compile(r"SIGKILL|signal 9\b|exit(?:Code| code|ed with code)[:=]? ?137\b|OOMKilled")


def _crash(*texts: str) -> tuple[str, bool]:
    """How a crashed process ended (``""`` when nothing says so), and whether from outside."""
    said = [text for text in texts if mentions(text, _CRASH_WORDS)]
    if not said:
        return "", False
    text = "\n".join(said)
    found = ""
    for match in _CRASH.finditer(text):
        code = match.group(1)
        if code is not None and code in ("0", "1"):
            continue  # exit 1 is how a runner says a test failed, not a crash
        found = match.group()
        break
    if not found:
        return "", False
    signal = _SIGNAL.search(text)
    if signal:
        found = signal.group()
    return found.strip(), _KILLED.search(text) is not None


# --- assertions: the symbol under test and the kind of mismatch -------------------------------

_CALL = re.compile(r"(?<![\w.])((?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*)\s*\(")
_WHERE_FUNCTION = re.compile(r"<(?:function|bound method|built-in method) ([\w.]+)")
_NOT_UNDER_TEST = frozenset(
    {
        "assert",
        "len",
        "sorted",
        "list",
        "set",
        "dict",
        "tuple",
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "repr",
        "isinstance",
        "type",
        "all",
        "any",
        "sum",
        "min",
        "max",
        "abs",
        "range",
        "enumerate",
        "zip",
        "map",
        "filter",
        "iter",
        "next",
        "print",
        "getattr",
        "hasattr",
        "id",
        "round",
        "frozenset",
        "reversed",
        "vars",
        "callable",
        "issubclass",
        "object",
        "super",
        "approx",
        "raises",
        "warns",
        "deepcopy",
        "copy",
        "expect",
        "describe",
        "it",
        "test",
    }
)
_ASSERT_METHOD = re.compile(r"(?:assert|fail|expect|check|should|verify)\w*", re.IGNORECASE)
_MISMATCHES = (
    ("did-not-raise", r"DID NOT RAISE|Missing expected exception|expected .* to throw"),
    ("not-equal", r"!=|assertNotEqual|notStrictEqual|notDeepEqual|not\.toBe|notEqual"),
    ("equal", r"==|assertEqual|assertEquals|strictEqual|deepEqual|toBe|toEqual|strictly equal"
              r"|deep-equal|deep equal|expected:<|but was:"),
    ("membership", r" not in | in |assertIn|assertNotIn|toContain|includes\("),
    ("identity", r" is not | is |assertIs|assertIsNone|assertIsNotNone|toBeNull"),
    ("order", r" <=? | >=? |assertLess|assertGreater|toBeLessThan|toBeGreaterThan"),
    ("raises", r"assertRaises|pytest\.raises|throws\(|rejects\("),
)  # fmt: skip


def _mismatch(text: str) -> str:
    """The kind of comparison that failed: the first the assertion's text shows."""
    for kind, pattern in _MISMATCHES:
        if re.search(pattern, text):
            return kind
    return "truth"


_LOCATION = re.compile(r"\S+\.py:\d+: ")


def _failing_lines(trace: str) -> tuple[list[str], str]:
    """The source lines pytest shows for the outermost frame of a trace, and its ``>`` line."""
    section: list[str] = []
    if "\n>" not in trace and not trace.startswith(">"):
        return section, ""
    for line in trace.splitlines():
        if line.startswith("_ _ _") or _LOCATION.match(line):
            break
        section.append(line)
    failing = next((line[1:].strip() for line in section if line.startswith(">")), "")
    return section, failing


def _callee(code: str) -> str:
    """The first function ``code`` calls that is neither a builtin nor an assertion helper."""
    for match in _CALL.finditer(code):
        name = match.group(1).removeprefix("self.")
        last = name.rsplit(".", 1)[-1]
        if last not in _NOT_UNDER_TEST and not _ASSERT_METHOD.fullmatch(last):
            return name
    return ""


def _symbol(trace: str, message: str) -> tuple[str, str]:
    """The application symbol a failing assertion checks, and the kind of mismatch."""
    section, failing = _failing_lines(trace)
    if not failing:
        found = _WHERE_FUNCTION.search(message)
        return (found.group(1) if found else ""), _mismatch(message)
    symbol = _callee(failing)
    if not symbol:
        names = set(re.findall(r"[A-Za-z_]\w*", failing))
        for line in reversed(section):
            assigned = re.match(r"^\s*([A-Za-z_][\w, ]*?)\s*=(?!=)\s*(.+)$", line)
            if assigned and names & set(re.findall(r"\w+", assigned.group(1))):
                symbol = _callee(assigned.group(2))
                if symbol:
                    break
    if not symbol:
        found = _WHERE_FUNCTION.search(message)
        symbol = found.group(1) if found else ""
    mismatch = _mismatch(failing) if "DID NOT RAISE" not in message else "did-not-raise"
    return symbol, mismatch


# --- file errors -----------------------------------------------------------------------------

_MISSING_WORDS = ("No such file", "ENOENT", "NoSuchFile", "FileNotFound", "Could not find file")
_MISSING_PATH = re.compile(
    r"No such file or directory: '([^'\n]+)'|ENOENT: no such file or directory, \w+ '([^'\n]+)'"
    r"|NoSuchFileException: (\S+)|FileNotFoundException: (\S+) \(No such file"
    r"|Could not find file '([^'\n]+)'"
)


def missing_path(text: str) -> str:
    """The path a missing-file error names, or ``""``."""
    if not mentions(text, _MISSING_WORDS):
        return ""
    found = _MISSING_PATH.search(text)
    return next((group for group in found.groups() if group), "") if found else ""


def said_lines(trace: str) -> str:
    """What a trace says, without the code it shows: no ``at`` frames, and of a Python or pytest
    trace only its unindented lines (messages, pytest's ``E`` lines and locations). The evidence
    and the knowledge base read this, so a test whose code mentions ``TimeoutError`` is not a
    timeout, and a long trace costs what its messages cost."""
    lines = trace.splitlines()
    if "\nE   " in trace or "Traceback (most recent call last)" in trace:
        return "\n".join(line for line in lines if line and line[0] not in _CODE_STARTS)
    return "\n".join(line for line in lines if line and not line.lstrip().startswith("at "))


_CODE_STARTS = frozenset(" \t>")


def evidence_of(failure: Failure, texts: dict[str, str]) -> Evidence:
    """The evidence in ``failure`` (its ``texts`` bounded as ``failure_texts`` makes them)."""
    message, trace = texts["message"], texts["trace"]
    frames = failure.frames
    by_path = [place_of(frame) for frame in frames]
    phase = _phase(
        message, trace, (f.function for f, p in zip(frames, by_path, strict=True) if p in OWN)
    )
    places = places_of(by_path, phase in ("setup", "teardown"))
    raised = places[-1] if places else None
    inner = next((i for i in range(len(places) - 1, -1, -1) if places[i] in OWN), None)
    own = frames[inner] if inner is not None else None
    own_place = places[inner] if inner is not None else None
    first = next((i for i, place in enumerate(places) if place in OWN), None)
    app = next((i for i in range(len(places) - 1, -1, -1) if places[i] is Place.APP), None)
    in_test = own_place is Place.TEST and inner != first
    called_back = in_test and app is not None and first is not None and first < app
    helper = in_test and not called_back
    kind = failure.exception_type.rsplit(".", 1)[-1]
    said = texts["said"]
    assertion = kind in ASSERTION_TYPES or (not kind and _looks_asserted(message, said))
    crash, killed = _crash(message, said, texts["logs"][-4000:])
    symbol, mismatch = _symbol(trace, message) if assertion else ("", "")
    path = missing_path(message) or missing_path(said)
    return Evidence(
        phase,
        raised,
        own,
        own_place,
        assertion,
        frames[app] if app is not None else None,
        helper,
        called_back,
        kind,
        crash,
        killed,
        symbol,
        mismatch,
        path,
    )


_ASSERTED = (
    "assert ",
    "AssertionError",
    "ERR_ASSERTION",
    "but was:<",
    "Expected values to be",
    "DID NOT RAISE",
)
"""What a failed assertion says when its exception type is not named."""


def _looks_asserted(message: str, said: str) -> bool:
    return mentions(message, _ASSERTED) or mentions(said, _ASSERTED)


def own_names(failure: Failure) -> frozenset[str]:
    """The names the repository's own modules may go by: every folder of the failure's own
    frames and every part of its test's dotted id (``toolz.tests.test_dicttoolz``)."""
    names = set(failure.result.nodeid.split("::")[0].replace("/", ".").split(".")[:-1])
    for frame in failure.frames:
        if place_of(frame) in OWN:
            names.update(plain_path(frame.file).split("/")[:-1])
    return frozenset(name for name in names if name)
