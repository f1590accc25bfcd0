"""Categorising failures: user rules, Allure's categories.json and orch's knowledge of causes."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from wall_clock import budget

from orch.core.shared.patterns import MATCH_BUDGET
from orch.core.triage.categories import UNMATCHED_REASON, categorise, matcher
from orch.core.triage.knowledge import KNOWLEDGE
from orch.core.workflow.category_rules import rules_from_allure, rules_from_config
from orch.ports import CategoryRule, ConfigError, Failure, Outcome, TestResult

WHERE = "orch.yaml: $.triage.categories"


def failure(
    message: str = "",
    trace: str = "",
    logs: str = "",
    exception_type: str = "",
    outcome: Outcome = Outcome.FAILED,
    nodeid: str = "tests/test_pay.py::test_refund",
) -> Failure:
    result = TestResult("payment", nodeid, outcome, message=message, longrepr=trace)
    return Failure(result, exception_type=exception_type, logs=logs)


KNOWN = [
    # (category, defect type, failure)
    ("connection_refused", "environment_issue", failure(exception_type="ConnectionRefusedError")),
    (
        "connection_refused",
        "environment_issue",
        failure("requests.exceptions.ConnectionError: [Errno 111] Connection refused"),
    ),
    (
        "connection_refused",
        "environment_issue",
        failure("Error: connect ECONNREFUSED 127.0.0.1:5432"),
    ),
    (
        "connection_refused",
        "environment_issue",
        failure(trace="java.net.ConnectException: Connection refused\n\tat Foo.bar(Foo.java:3)"),
    ),
    (
        "connection_refused",
        "environment_issue",
        failure(
            "System.Net.Http.HttpRequestException: No connection could be made because the "
            "target machine actively refused it. (localhost:5000)"
        ),
    ),
    ("dns_failure", "environment_issue", failure(exception_type="socket.gaierror")),
    (
        "dns_failure",
        "environment_issue",
        failure("socket.gaierror: [Errno -2] Name or service not known"),
    ),
    ("dns_failure", "environment_issue", failure("Error: getaddrinfo ENOTFOUND db.internal")),
    ("dns_failure", "environment_issue", failure("java.net.UnknownHostException: db.internal")),
    (
        "dns_failure",
        "environment_issue",
        failure("System.Net.Sockets.SocketException: No such host is known."),
    ),
    ("timeout", "environment_issue", failure("took too long", outcome=Outcome.TIMEOUT)),
    (
        "timeout",
        "environment_issue",
        failure(trace="+++++++++++++++ Timeout +++++++++++++++\nStack of MainThread"),
    ),
    ("timeout", "environment_issue", failure("Failed: Timeout >10.0s")),
    ("timeout", "environment_issue", failure("Error: test timed out after 2000ms")),
    ("timeout", "environment_issue", failure("Error: Timeout of 2000ms exceeded.")),
    (
        "timeout",
        "environment_issue",
        failure("java.net.SocketTimeoutException: Read timed out"),
    ),
    ("timeout", "environment_issue", failure(exception_type="asyncio.exceptions.TimeoutError")),
    (
        "timeout",
        "environment_issue",
        failure("System.TimeoutException: The operation has timed out."),
    ),
    ("out_of_memory", "environment_issue", failure(exception_type="MemoryError")),
    (
        "out_of_memory",
        "environment_issue",
        failure("java.lang.OutOfMemoryError: Java heap space"),
    ),
    (
        "out_of_memory",
        "environment_issue",
        failure(
            logs="<--- JS stacktrace --->\nFATAL ERROR: Reached heap limit Allocation failed - "
            "JavaScript heap out of memory"
        ),
    ),
    (
        "out_of_memory",
        "environment_issue",
        failure(
            "test process died while running this test (killed by SIGKILL)",
            outcome=Outcome.ERROR,
        ),
    ),
    ("out_of_memory", "environment_issue", failure("npm ERR! command failed, exit code 137")),
    (
        "out_of_memory",
        "environment_issue",
        failure("System.OutOfMemoryException: Insufficient memory to continue."),
    ),
    (
        "disk_full",
        "environment_issue",
        failure("OSError: [Errno 28] No space left on device: '/tmp/x'"),
    ),
    ("disk_full", "environment_issue", failure("Error: ENOSPC: no space left on device, write")),
    (
        "disk_full",
        "environment_issue",
        failure("System.IO.IOException: There is not enough space on the disk."),
    ),
    (
        "permission_denied",
        "environment_issue",
        failure("PermissionError: [Errno 13] Permission denied: '/etc/app.conf'"),
    ),
    (
        "permission_denied",
        "environment_issue",
        failure("Error: EACCES: permission denied, open '/var/log/app.log'"),
    ),
    (
        "permission_denied",
        "environment_issue",
        failure("java.nio.file.AccessDeniedException: /data/out.csv"),
    ),
    (
        "permission_denied",
        "environment_issue",
        failure("System.UnauthorizedAccessException: Access to the path 'C:\\x' is denied."),
    ),
    (
        "missing_dependency",
        "environment_issue",
        failure("ModuleNotFoundError: No module named 'psycopg2'"),
    ),
    (
        "missing_dependency",
        "environment_issue",
        failure("Error: Cannot find module 'supertest'\nRequire stack:"),
    ),
    (
        "missing_dependency",
        "environment_issue",
        failure("java.lang.NoClassDefFoundError: org/postgresql/Driver"),
    ),
    (
        "missing_dependency",
        "environment_issue",
        failure(
            "System.IO.FileNotFoundException: Could not load file or assembly 'Npgsql, "
            "Version=8.0.0.0'"
        ),
    ),
    (
        "fixture_error",
        "automation_bug",
        failure("fixture 'db_session' not found", outcome=Outcome.ERROR),
    ),
    (
        "fixture_error",
        "automation_bug",
        failure("failed on setup with \"KeyError: 'url'\"", outcome=Outcome.ERROR),
    ),
    (
        "fixture_error",
        "automation_bug",
        failure(trace='Error: "before all" hook for "creates an order":\n  at Context.<anonymous>'),
    ),
    (
        "fixture_error",
        "automation_bug",
        failure("OneTimeSetUp: System.ArgumentNullException : Value cannot be null."),
    ),
    (
        "fixture_error",
        "automation_bug",
        failure(trace="KeyError: 'url'\n  in setUpClass", outcome=Outcome.ERROR),
    ),
    (
        "assertion_failure",
        "product_bug",
        failure(exception_type="AssertionError", message="assert 200 == 500"),
    ),
    (
        "assertion_failure",
        "product_bug",
        failure("org.opentest4j.AssertionFailedError: expected: <200> but was: <500>"),
    ),
    (
        "assertion_failure",
        "product_bug",
        failure(trace="Error: expect(received).toBe(expected) // Object.is equality"),
    ),
    (
        "assertion_failure",
        "product_bug",
        failure("Assert.Equal() Failure\nExpected: 200\nActual:   500"),
    ),
    (
        "assertion_failure",
        "product_bug",
        failure("AssertionError [ERR_ASSERTION]: Expected values to be strictly equal"),
    ),
    (
        "crash",
        "product_bug",
        failure("test process died while running this test (killed by SIGSEGV)"),
    ),
    ("crash", "product_bug", failure(logs="Fatal Python error: Segmentation fault")),
    ("crash", "product_bug", failure("Aborted (core dumped)")),
    (
        "crash",
        "product_bug",
        failure("The active test run was aborted. Reason: Test host process crashed"),
    ),
    ("crash", "product_bug", failure("Process finished with exit code 134")),
    ("flaky", "flaky", failure("AssertionError", outcome=Outcome.FLAKY)),
]


@pytest.mark.parametrize(("category", "defect", "given"), KNOWN)
def test_each_known_cause_is_recognised(category: str, defect: str, given: Failure) -> None:
    got = categorise(given, [])
    assert (got.category, got.defect_type) == (category, defect), got.category_reason
    assert got.confidence > 0
    assert got.suggestion


def test_confidence_follows_the_strength_of_the_evidence() -> None:
    text = "ConnectionRefusedError: [Errno 111] Connection refused"
    by_type = categorise(failure(exception_type="ConnectionRefusedError"), [])
    by_message = categorise(failure(text), [])
    by_trace = categorise(failure(trace=text), [])
    by_logs = categorise(failure(logs=text), [])
    assert by_type.confidence > by_message.confidence > by_trace.confidence > by_logs.confidence
    assert by_logs.category == "connection_refused"
    assert by_message.category_reason == (
        "known cause 'connection_refused' matched 'ConnectionRefusedError' in the message"
    )
    assert categorise(failure(outcome=Outcome.FLAKY), []).confidence == 1.0


def test_the_earliest_evidence_wins_within_a_text() -> None:
    got = categorise(failure("ECONNREFUSED while the assertion failed"), [])
    assert got.category == "connection_refused"


def test_setup_markers_only_count_for_errors() -> None:
    trace = "in setup\nValueError: bad"
    assert categorise(failure(trace=trace, outcome=Outcome.ERROR), []).category == ("fixture_error")
    assert categorise(failure(trace=trace), []).category == "to_investigate"


def test_user_rules_come_first_and_in_order() -> None:
    rules = rules_from_config(
        [
            {"name": "database_connection", "patterns": ["ConnectionError", "unreachable"]},
            {"name": "any_connection", "patterns": ["Connection"], "defect_type": "product_bug"},
        ],
        WHERE,
    )
    got = categorise(failure("psycopg.OperationalError: database is unreachable"), rules)
    assert (got.category, got.defect_type, got.confidence) == (
        "database_connection",
        "to_investigate",
        1.0,
    )
    assert got.category_reason == "rule 'database_connection' matched 'unreachable' in the message"
    got = categorise(failure(logs="requests.ConnectionError: refused"), rules)
    assert got.category == "database_connection"
    got = categorise(failure("[Errno 111] Connection refused"), rules)
    assert got.category == "any_connection"  # the user's rule beats the knowledge base


def test_user_rule_conditions_must_all_hold() -> None:
    rules = rules_from_config(
        [
            {
                "name": "payment_timeouts",
                "path": "payment::tests/test_pay.py::*",
                "outcomes": ["timeout"],
                "message": "gateway",
                "defect_type": "environment_issue",
                "hint": "The sandbox gateway is slow on Mondays.",
            },
            {"name": "checkout", "exception_type": "^KeyError$", "trace": "checkout\\.py"},
        ],
        WHERE,
    )
    hit = categorise(failure("gateway did not answer", outcome=Outcome.TIMEOUT), rules)
    assert hit.category == "payment_timeouts"
    assert hit.suggestion == "The sandbox gateway is slow on Mondays."
    assert categorise(failure("gateway did not answer"), rules).category == "to_investigate"
    other_file = failure("gateway", outcome=Outcome.TIMEOUT, nodeid="tests/test_x.py::t")
    assert categorise(other_file, rules).category == "timeout"
    key = failure(exception_type="KeyError", trace='File "app/checkout.py", line 3')
    assert categorise(key, rules).category == "checkout"
    assert categorise(failure(exception_type="KeyError"), rules).category == "to_investigate"


def test_nothing_matched_is_to_investigate() -> None:
    got = categorise(failure("expected a red button", trace="at line 3"), [])
    assert (got.category, got.defect_type, got.category_reason, got.confidence) == (
        "to_investigate",
        "to_investigate",
        UNMATCHED_REASON,
        0.0,
    )


@pytest.mark.parametrize(
    "given",
    [
        failure(),
        failure("\x00\x01\xff\ud800 binary \x89PNG\r\n\x1a\n", logs="\x00" * 1000),
        failure("İİİ ß ﬃ", logs="İ" * 100 + " permission denied"),
    ],
)
def test_empty_and_binary_texts_do_not_break(given: Failure) -> None:
    got = categorise(given, rules_from_config([{"name": "x", "patterns": ["\\x00{2000}"]}], WHERE))
    assert got.category in ("to_investigate", "permission_denied")


def test_huge_logs_are_searched_at_both_ends_only() -> None:
    middle = "x" * 2_000_000
    assert categorise(failure(logs=f"ENOSPC{middle}"), []).category == "disk_full"
    assert categorise(failure(logs=f"{middle}ENOSPC"), []).category == "disk_full"
    buried = f"{middle}ENOSPC{middle}"
    assert categorise(failure(logs=buried), []).category == "to_investigate"


def test_config_errors_name_each_problem_with_its_path() -> None:
    with pytest.raises(ConfigError) as caught:
        rules_from_config(
            [
                {"name": "ok", "patterns": ["fine"]},
                {"name": "bad", "patterns": ["ok", "(unclosed"], "outcome": ["failed"]},
                {"name": "worse", "message": "[", "defect_type": "product-bug"},
                "just a string",
                {"patterns": ["x"], "outcomes": ["broken"]},
                {"name": "ok", "patterns": ["dup"]},
            ],
            WHERE,
        )
    assert str(caught.value).splitlines() == [
        f"{WHERE}[1].outcome: unknown key; did you mean 'outcomes'? (valid: name, patterns, "
        "message, trace, logs, exception_type, path, outcomes, defect_type, hint)",
        f"{WHERE}[1].patterns[1]: not a valid regular expression: missing ) at position 9",
        f"{WHERE}[2].message: not a valid regular expression: "
        "unterminated character set at position 1",
        f"{WHERE}[2].defect_type: unknown defect type 'product-bug'; did you mean "
        "'product_bug'? (valid: product_bug, automation_bug, environment_issue, flaky, "
        "to_investigate)",
        f"{WHERE}[3]: expected a mapping like {{name: ..., patterns: [...]}}, got 'just a string'",
        f"{WHERE}[4].name: required: the category's name, a non-empty string",
        f"{WHERE}[4].outcomes[0]: unknown outcome 'broken'; did you mean 'blocked'? "
        "(valid: passed, failed, error, skipped, xfailed, xpassed, timeout, blocked, flaky)",
        f"{WHERE}[5].name: duplicate category 'ok'",
    ]


def test_rules_accept_a_single_pattern_string() -> None:
    (rule,) = rules_from_config([{"name": "db", "patterns": "database"}], WHERE)
    assert rule == CategoryRule("db", ("database",), source=f"{WHERE}[0]")


ALLURE = [
    {"name": "Ignored tests", "matchedStatuses": ["skipped"]},
    {
        "name": "Infrastructure problems",
        "messageRegex": ".*(Connection refused|UnknownHost).*",
        "matchedStatuses": ["broken", "failed"],
    },
    {
        "name": "Outdated tests",
        "description": "The page changed; update the locator.",
        "traceRegex": ".*NoSuchElementException.*",
        "matchedStatuses": ["broken"],
    },
    {"name": "Flaky checkout", "messageRegex": ".*checkout.*", "flaky": True},
]


def test_allure_categories_are_read_as_allure_means_them(tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(ALLURE, indent=2), encoding="utf-8")
    rules = rules_from_allure(path)
    assert [r.name for r in rules] == [c["name"] for c in ALLURE]
    infra = categorise(failure("java.net.ConnectException: Connection refused"), rules)
    assert infra.category == "Infrastructure problems"
    trace = "org.openqa.selenium.NoSuchElementException: no such element\n\tat Page.open"
    outdated = categorise(failure(trace=trace, outcome=Outcome.ERROR), rules)
    assert (outdated.category, outdated.suggestion) == (
        "Outdated tests",
        "The page changed; update the locator.",
    )
    assert categorise(failure(trace=trace), rules).category == "to_investigate"  # not broken
    partial = categorise(failure("Connection refused\nsecond line"), rules)
    assert partial.category == "Infrastructure problems"  # Allure's regexes span lines
    flaky = categorise(failure("checkout total", outcome=Outcome.FLAKY), rules)
    assert (flaky.category, flaky.defect_type) == ("Flaky checkout", "flaky")


def test_allure_errors_name_the_file_and_path(tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    path.write_text(
        json.dumps([{"name": "x", "messageRegex": "(", "matchedStatuses": ["broke"]}]),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        rules_from_allure(path)
    assert str(caught.value).splitlines() == [
        "categories.json: $[0].messageRegex: not a valid regular expression: "
        "missing ) at position 1",
        "categories.json: $[0].matchedStatuses[0]: unknown status 'broke'; did you mean "
        "'broken'? (valid: failed, broken, passed, skipped, unknown)",
    ]
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^categories\.json:1:3: malformed JSON"):
        rules_from_allure(path)
    with pytest.raises(ConfigError, match="not found"):
        rules_from_allure(tmp_path / "missing.json")


def test_every_known_pattern_compiles_and_holds_an_anchor() -> None:
    """Anchors skip causes cheaply, so a pattern without one of its cause's anchors is dead."""
    for cause in KNOWLEDGE:
        for pattern in (*cause.exceptions, *cause.phrases, *cause.any_case):
            re.compile(pattern)
            plain = pattern.replace("\\", "").lower()
            assert any(anchor in plain for anchor in cause.anchors), (cause.name, pattern)


# --- catastrophic user patterns (issue 8): a time budget per match, reported once, then skipped -


def test_the_issue_pattern_against_forty_as_and_a_bang_finishes_at_once() -> None:
    rules = rules_from_config([{"name": "a", "patterns": ["(a+)+$"]}], WHERE)
    started = time.monotonic()
    got = categorise(failure("a" * 40 + "!"), rules)
    assert time.monotonic() - started < budget(0.5)
    assert got.category == "to_investigate"


def test_a_pattern_past_its_budget_is_reported_once_and_skipped(caplog) -> None:
    rules = rules_from_config(
        [{"name": "slow", "patterns": ["(a|aa)+$"]}, {"name": "fast", "patterns": ["a!"]}], WHERE
    )
    hostile = failure("a" * 60 + "!", trace="a" * 60 + "!", logs="a" * 60 + "!")
    started = time.monotonic()
    got = [categorise(hostile, rules) for _ in range(20)]
    elapsed = time.monotonic() - started
    assert elapsed < budget(1), f"20 failures took {elapsed:.2f}s"
    assert {f.category for f in got} == {"fast"}  # the later rule still works
    warnings = [r.getMessage() for r in caplog.records if r.name == "orch.patterns"]
    assert warnings == [
        f"orch: warning: {WHERE}[0].patterns[0]: pattern '(a|aa)+$' took over "
        f"{MATCH_BUDGET} s on one text; skipped for the rest of the run (avoid nested repeats "
        "such as (a+)+)"
    ]
    assert matcher(rules[0]).patterns[0].skipped


def test_an_allure_regex_past_its_budget_names_the_file_and_key(tmp_path: Path, caplog) -> None:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps([{"name": "x", "messageRegex": "(a|aa)+"}]), encoding="utf-8")
    rules = rules_from_allure(path)
    categorise(failure("a" * 60 + "!"), rules)
    assert [r.getMessage().split(": pattern")[0] for r in caplog.records] == [
        "orch: warning: categories.json: $[0].messageRegex"
    ]


@pytest.mark.parametrize(
    "pattern",
    [
        "a{4294967296}",
        "(" * 5000 + ")" * 5000,
        "x" * 20_000,
        "(?<",
        "\\",
        "(?:(?:(?:a{50}){50}){50}){50}",  # the regex engine unrolled it for 8 s
    ],
)
def test_patterns_that_cannot_compile_are_config_errors_not_crashes(pattern: str) -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"^orch.yaml: \$.triage.categories\[0\].patterns\[0\]: "):
        rules_from_config([{"name": "x", "patterns": [pattern]}], WHERE)
    assert time.monotonic() - started < budget(0.5)


def test_a_rule_made_in_python_with_one_pattern_string_keeps_it_whole() -> None:
    rule = CategoryRule("db", patterns="Connection refused", outcomes="failed")
    assert rule.patterns == ("Connection refused",) and rule.outcomes == ("failed",)
    assert categorise(failure("Connection refused"), [rule]).category == "db"
