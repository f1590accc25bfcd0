"""orch's built-in knowledge of common failure causes, tried after the user's category rules.

Each cause lists exception class names (matched as whole words in the exception type, message,
trace and logs) and phrases (matched in message, trace and logs) seen in Python, Java, JS and .NET.
The order matters: where two causes match at the same place, the earlier one wins.
"""

from __future__ import annotations

from attrs import frozen

from orch.ports.triage import AUTOMATION_BUG, ENVIRONMENT_ISSUE, PRODUCT_BUG


@frozen
class KnownCause:
    """One known cause of failures: its category name, defect type, evidence and a hint.

    ``exceptions`` are class names (matched where a word starts with them); ``phrases`` are
    regexes and ``any_case`` lowercase regexes matched in the lowercased text. Every one starts
    with literal text, which Python's ``re`` finds fast (it is slow on alternations and ``\\b``).
    ``anchors`` are lowercase words one of which every match contains: a cheap ``in`` test skips
    the causes that cannot match. ``outcomes`` limits the cause to those outcomes (empty: any).
    """

    name: str
    defect_type: str
    hint: str
    anchors: tuple[str, ...]
    exceptions: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    any_case: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()


_EXIT = ("exit code ", "exited with code ", "exit status ", "returned ")
FIXTURE_HINT = "The test's setup failed before the test body ran; fix the fixture, hook or setup."

KNOWLEDGE = (
    KnownCause(
        "out_of_memory",
        ENVIRONMENT_ISSUE,
        "The process ran out of memory; raise the memory limit of the environment or look for a "
        "leak if the same test always hits it.",
        anchors=("memory", "sigkill", "signal 9", "137", "oomkilled", "allocation failed"),
        exceptions=("MemoryError", "OutOfMemoryError", "OutOfMemoryException"),
        phrases=(
            "JavaScript heap out of memory",
            "Array buffer allocation failed",
            r"test process died[^\n]{0,40}(?:killed by SIGKILL|exit code 137)",
            "killed by SIGKILL",
            "killed by signal 9",
            "OOMKilled",
            "Cannot allocate memory",
            *(rf"{prefix}137\b" for prefix in _EXIT),
        ),
    ),
    KnownCause(
        "crash",
        PRODUCT_BUG,
        "The test process ended abruptly while the test ran; the message says how: an exit code "
        "means the test or code it called ended the process (os._exit, exit(), a library giving "
        "up: make it raise instead), a signal (SIGSEGV, SIGABRT) means native code crashed, so "
        "look at the extension or native library the test exercised.",
        anchors=("died", "segmentation", "sig", "core dumped", "134", "139", "fatal", "crashed"),
        phrases=(
            "test process died",
            "Segmentation fault",
            "SIGSEGV",
            "SIGABRT",
            "SIGBUS",
            "SIGILL",
            "core dumped",
            "Fatal Python error",
            "Test host process crashed",
            "A fatal error has been detected by the Java Runtime Environment",
            *(rf"{prefix}{code}\b" for prefix in _EXIT for code in (134, 139)),
        ),
    ),
    KnownCause(
        "connection_refused",
        ENVIRONMENT_ISSUE,
        "A service the test talks to refused or dropped the connection; check that it is up "
        "and reachable from the test environment.",
        anchors=("connect", "econnre", "errno 111", "errno 104", "actively refused"),
        exceptions=(
            "ConnectionRefusedError",
            "ConnectionResetError",
            "ConnectException",
        ),
        phrases=(
            "ECONNREFUSED",
            "ECONNRESET",
            r"\[Errno 111\]",
            r"\[Errno 104\]",
            "actively refused it",
        ),
        any_case=("connection refused", "connection reset by peer"),
    ),
    KnownCause(
        "dns_failure",
        ENVIRONMENT_ISSUE,
        "A host name could not be resolved; check the service name, DNS and network of the "
        "test environment.",
        anchors=(
            "gaierror",
            "unknownhost",
            "enotfound",
            "eai_again",
            "name or service",
            "name resolution",
            "servname",
            "no such host",
        ),
        exceptions=("gaierror", "UnknownHostException"),
        phrases=(
            "ENOTFOUND",
            "EAI_AGAIN",
            "Name or service not known",
            "Temporary failure in name resolution",
            "nodename nor servname provided",
            "No such host is known",
        ),
    ),
    KnownCause(
        "disk_full",
        ENVIRONMENT_ISSUE,
        "The disk is full; free space or enlarge the volume of the environment.",
        anchors=("enospc", "no space left", "errno 28", "not enough space"),
        phrases=(
            "ENOSPC",
            "No space left on device",
            r"\[Errno 28\]",
            "There is not enough space on the disk",
        ),
    ),
    KnownCause(
        "read_only_disk",
        ENVIRONMENT_ISSUE,
        "The file system the test writes to is mounted read-only; give the environment a "
        "writable temporary directory and working directory.",
        anchors=("read-only file system", "erofs", "errno 30"),
        phrases=("EROFS", r"\[Errno 30\]"),
        any_case=("read-only file system",),
    ),
    KnownCause(
        "permission_denied",
        ENVIRONMENT_ISSUE,
        "The test was denied access to a file, port or resource; check the user and the "
        "permissions the environment runs it with.",
        anchors=("permission", "accessdenied", "unauthorizedaccess", "eacces", "eperm", "errno 13"),
        exceptions=("PermissionError", "AccessDeniedException", "UnauthorizedAccessException"),
        phrases=("EACCES", "EPERM", r"\[Errno 13\]"),
        any_case=("permission denied",),
    ),
    KnownCause(
        "missing_dependency",
        ENVIRONMENT_ISSUE,
        "A module, package or class is missing at run time; install the dependency in the test "
        "environment (or fix the import if the name is the project's own and misspelt).",
        anchors=(
            "module",
            "importerror",
            "classnotfound",
            "noclassdef",
            "could not load file",
            "typeload",
        ),
        exceptions=(
            "ModuleNotFoundError",
            "ImportError",
            "ClassNotFoundException",
            "NoClassDefFoundError",
            "TypeLoadException",
        ),
        phrases=(
            "Cannot find module",
            "ERR_MODULE_NOT_FOUND",
            "No module named",
            "Could not load file or assembly",
        ),
    ),
    KnownCause(
        "fixture_error",
        AUTOMATION_BUG,
        FIXTURE_HINT,
        anchors=("fixture", "setup", "teardown", "@before", '"before '),
        phrases=(
            r"fixture '[^'\n]*' not found",
            "failed on setup with",
            "failed on teardown with",
            r"@Before(?:Class|All|Each)?\b",
            r'"before (?:all|each)" hook',
            "OneTimeSetUp:",
            r"Class fixture type '[^'\n]*' had one or more unresolved constructor arguments",
        ),
        any_case=("error at setup of", "setup failed"),
    ),
    KnownCause(
        "fixture_error",
        AUTOMATION_BUG,
        FIXTURE_HINT,
        anchors=("setup", "set_up", "beforeall", "beforeeach"),
        any_case=(r"setup\b", r"set_up\b", r"setupclass\b", r"beforeall\b", r"beforeeach\b"),
        outcomes=("error",),
    ),
    KnownCause(
        "assertion_failure",
        PRODUCT_BUG,
        "A test assertion failed: the product did not behave as the test expects; check the "
        "change under test (or the expectation, if the behaviour changed on purpose).",
        anchors=(
            "assert",
            "comparisonfailure",
            "xunit.sdk",
            "expect(",
            "expected:",
            "did not raise",
        ),
        exceptions=(
            "AssertionError",
            "AssertionFailedError",
            "ComparisonFailure",
            "AssertionException",
            "AssertFailedException",
        ),
        phrases=(
            "ERR_ASSERTION",
            "DID NOT RAISE",
            r"Xunit\.Sdk\.\w+Exception",
            r"expect\([^\n]{0,200}\)\.(?:not\.)?to\w*",
            r"Timed out \d+ms waiting for expect\(",
            r"Assert\.\w+\(\) Failure",
            r"Expected:[^\n]*\n\s*(?:But was|Actual|Received):",
        ),
        any_case=("assertion failed",),
    ),
    KnownCause(
        "timeout",
        ENVIRONMENT_ISSUE,
        "The test ran out of time, most often waiting on a slow or hung dependency; if it times "
        "out on every run of this commit, treat it as a product performance regression.",
        anchors=("timeout", "timed out", "timedout"),
        exceptions=(
            "TimeoutError",
            "SocketTimeoutException",
            "TimeoutException",
            "ReadTimeout",
            "ConnectTimeout",
        ),
        phrases=(
            r"\+\+\+\+\+ Timeout \+\+\+\+\+",
            "Failed: Timeout >",
            r"Timeout of \d+ms exceeded",
            r"Exceeded timeout of \d+ ?ms",
            "exceeded the per-test timeout",
            "ETIMEDOUT",
        ),
        any_case=("test timed out", "timed out after"),
    ),
)
"""The causes orch knows, strongest first where they overlap (e.g. SIGKILL is OOM, not a crash)."""

FLAKY_HINT = "The test passed on retry; quarantine it or fix the race it depends on."
TIMEOUT_HINT = KNOWLEDGE[-1].hint
