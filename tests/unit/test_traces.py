"""Trace parsing: each supported format from realistic samples, and garbage that must not raise."""

from __future__ import annotations

import random

import pytest

from orch.core.triage.traces import failure_from, parse_trace
from orch.ports import Frame, Outcome, TestResult

PYTHON = """\
Traceback (most recent call last):
  File "/app/payment/processor.py", line 41, in refund
    return self.gateway.send(req)
  File "/usr/lib/python3.11/site-packages/requests/api.py", line 73, in send
    raise ConnectionError(e)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.x', port=443)
"""

PYTHON_CHAINED = """\
Traceback (most recent call last):
  File "/app/store.py", line 10, in get
    return self._data[key]
KeyError: 'user'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/service.py", line 22, in lookup
    raise LookupFailed(key) from error
service.LookupFailed: user
"""

PYTEST_LONG = """\
    def test_refund():
        p = Processor()
>       p.refund(10)

tests/test_processor.py:12:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

self = <payment.Processor object at 0x7f00>, amount = 10

    def refund(self, amount):
>       raise ValueError(f"bad amount {amount}")
E       ValueError: bad amount 10

payment/processor.py:41: ValueError
"""

PYTEST_SHORT = """\
tests/test_processor.py:12: in test_refund
    p.refund(10)
payment/processor.py:41: in refund
    raise errors.PaymentDeclined(amount)
E   payment.errors.PaymentDeclined: 10
"""

PYTEST_ASSERT = """\
    def test_total():
>       assert total([1, 2]) == 4
E       assert 3 == 4
E        +  where 3 = total([1, 2])

tests/test_cart.py:7: AssertionError
"""

JAVA = """\
java.lang.IllegalStateException: could not load order 42
\tat com.acme.orders.OrderService.load(OrderService.java:88)
\tat com.acme.orders.OrderController.get(OrderController.java:31)
\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
Caused by: org.postgresql.util.PSQLException: Connection to db-1:5432 refused.
\tat org.postgresql.core.v3.ConnectionFactoryImpl.open(ConnectionFactoryImpl.java:319)
\tat com.acme.orders.Repo.find(Repo.java:20)
\t... 5 more
"""

NODE = """\
AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:

1 !== 2

    at Context.<anonymous> (/home/ci/app/test/cart.test.js:14:12)
    at processImmediate (node:internal/timers:478:21)
    at new Promise (<anonymous>)
    at /home/ci/app/node_modules/mocha/lib/runner.js:10:5
"""

DOTNET = r"""System.InvalidOperationException: Sequence contains no elements
   at System.Linq.ThrowHelper.ThrowNoElementsException()
   at Acme.Billing.InvoiceService.Total(Int32 id) in C:\src\Billing\InvoiceService.cs:line 42
   at Acme.Billing.Tests.InvoiceTests.TotalIsSum() in C:\src\Billing.Tests\InvoiceTests.cs:line 17
"""

DOTNET_INNER = r"""System.AggregateException: Failed. ---> System.IO.IOException: disk full
   at Acme.Store.Writer.Flush() in /src/Store/Writer.cs:line 9
   --- End of inner exception stack trace ---
   at Acme.Store.Job.Run() in /src/Store/Job.cs:line 30
"""


def test_python_traceback_outermost_first():
    frames, kind = parse_trace(PYTHON)
    assert kind == "requests.exceptions.ConnectionError"
    assert frames[0] == Frame("/app/payment/processor.py", 41, "refund", "python")
    assert frames[-1].function == "send"


def test_python_chained_exception_reports_the_raised_one():
    frames, kind = parse_trace(PYTHON_CHAINED)
    assert kind == "service.LookupFailed"
    assert [frame.file for frame in frames] == ["/app/service.py"]


def test_pytest_long_repr_takes_functions_from_the_shown_source():
    frames, kind = parse_trace(PYTEST_LONG)
    assert kind == "ValueError"
    assert frames == (
        Frame("tests/test_processor.py", 12, "test_refund", "python"),
        Frame("payment/processor.py", 41, "refund", "python"),
    )


def test_pytest_short_repr_uses_the_e_line_type():
    frames, kind = parse_trace(PYTEST_SHORT)
    assert kind == "payment.errors.PaymentDeclined"
    assert [frame.function for frame in frames] == ["test_refund", "refund"]


def test_pytest_plain_assert():
    frames, kind = parse_trace(PYTEST_ASSERT)
    assert kind == "AssertionError"
    assert frames == (Frame("tests/test_cart.py", 7, "test_total", "python"),)


def test_java_root_cause_wins():
    frames, kind = parse_trace(JAVA)
    assert kind == "org.postgresql.util.PSQLException"
    assert frames[-1] == Frame(
        "ConnectionFactoryImpl.java",
        319,
        "org.postgresql.core.v3.ConnectionFactoryImpl.open",
        "java",
    )
    assert frames[0].function == "com.acme.orders.Repo.find"


def test_java_without_cause():
    frames, kind = parse_trace(JAVA.split("Caused by")[0])
    assert kind == "java.lang.IllegalStateException"
    assert frames[-1] == Frame("OrderService.java", 88, "com.acme.orders.OrderService.load", "java")
    assert frames[0] == Frame(
        "Native Method", 0, "jdk.internal.reflect.NativeMethodAccessorImpl.invoke0", "java"
    )


def test_node_stack():
    frames, kind = parse_trace(NODE)
    assert kind == "AssertionError"
    assert frames[-1] == Frame(
        "/home/ci/app/test/cart.test.js", 14, "Context.<anonymous>", "javascript"
    )
    assert frames[0] == Frame("/home/ci/app/node_modules/mocha/lib/runner.js", 10, "", "javascript")


def test_dotnet_stack():
    frames, kind = parse_trace(DOTNET)
    assert kind == "System.InvalidOperationException"
    assert frames[0] == Frame(
        "C:\\src\\Billing.Tests\\InvoiceTests.cs",
        17,
        "Acme.Billing.Tests.InvoiceTests.TotalIsSum",
        "dotnet",
    )
    assert frames[-1].function == "System.Linq.ThrowHelper.ThrowNoElementsException"


def test_dotnet_inner_exception_wins():
    frames, kind = parse_trace(DOTNET_INNER)
    assert kind == "System.IO.IOException"
    assert frames == (Frame("/src/Store/Writer.cs", 9, "Acme.Store.Writer.Flush", "dotnet"),)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("TimeoutError: waited 30s", "TimeoutError"),
        ("  com.acme.PaymentException: declined", "com.acme.PaymentException"),
        ("Timeout after 31s on host-7", ""),
        ("", ""),
    ],
)
def test_unknown_formats_only_read_a_leading_type(text, kind):
    assert parse_trace(text) == ((), kind)


def test_garbage_never_raises():
    generator = random.Random(4)
    blobs = [
        bytes(generator.randrange(256) for _ in range(5000)).decode("utf-8", errors="replace"),
        "\x00" * 1000,
        "at " + "a (b:1:" * 30000,
        'File "' * 50000,
        ("x.py:" * 1000 + "\n") * 300,
        "Caused by: \n" * 1000,
    ]
    for blob in blobs:
        frames, kind = parse_trace(blob)
        assert isinstance(frames, tuple)
        assert isinstance(kind, str)
    assert parse_trace(b"\x89PNG\r\n\x1a\n") == ((), "")


def test_failure_from_reads_longrepr_and_falls_back_to_the_message():
    result = TestResult("pay", "tests/test_p.py::test_r", Outcome.FAILED, longrepr=PYTEST_LONG)
    failure = failure_from(result, commit="abc123")
    assert failure.exception_type == "ValueError"
    assert len(failure.frames) == 2
    assert failure.commit == "abc123"
    plain = TestResult("pay", "t::x", Outcome.FAILED, message="KeyError: 'user'")
    assert failure_from(plain).exception_type == "KeyError"
    assert failure_from(plain).frames == ()
