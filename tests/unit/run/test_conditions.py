"""Waiting for the state a step crosses (``orch.core.run.conditions``) against real things: an
HTTP server on 127.0.0.1 whose answers change, files and logs written later by a thread, a
scripted SqlProbe; timeouts give one line saying what was last seen, and cancel ends the thread."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orch.core.run.conditions import MAX_BODY, Waiting
from orch.ports.conditions import (
    FileCondition,
    HttpCondition,
    JsonField,
    LogCondition,
    SqlCondition,
    SqlProbe,
    SqlProbeError,
    WaitFor,
)

FAST = {"timeout": 5.0, "interval": 0.02}
"""For a condition that is to hold: checked often, ending as soon as it does."""
SHORT = {"timeout": 0.1, "interval": 0.02}
"""For a condition that is not to hold: its timeout passes quickly."""


class Scripted(http.server.ThreadingHTTPServer):
    """Answers each request with the next of ``answers`` (status, body; a body not a str is
    sent as JSON), the last one again and again; keeps what each request asked."""

    def __init__(self, answers: list[tuple[int, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.answers = answers
        self.asked: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, method: str, path: str, authorization: str | None) -> tuple[int, Any]:
        with self.lock:
            self.asked.append((method, path, authorization))
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class _Answer(http.server.BaseHTTPRequestHandler):
    server: Scripted

    def log_message(self, *_args: object) -> None:
        pass

    def _reply(self) -> None:
        status, body = self.server.answer(
            self.command, self.path, self.headers.get("Authorization")
        )
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = _reply


@contextmanager
def serving(*answers: tuple[int, Any]) -> Iterator[Scripted]:
    server = Scripted(list(answers))
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class ScriptedProbe(SqlProbe):
    """A SqlProbe answering each query with the next of ``answers`` (rows, or an exception to
    raise), the last one again and again; keeps the (dsn, query) it was asked."""

    def __init__(self, *answers: list[tuple[Any, ...]] | Exception) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []

    def rows(self, dsn: str, query: str) -> list[tuple[Any, ...]]:
        self.asked.append((dsn, query))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def waited(conditions: WaitFor, probe: SqlProbe | None = None, within: float = 5.0) -> str | None:
    """Run the wait to its end (within ``within`` seconds); its problem."""
    waiting = Waiting(conditions, probe).start()
    deadline = time.monotonic() + within
    while not waiting.done():
        assert time.monotonic() < deadline, "the wait did not end"
        time.sleep(0.005)
    return waiting.problem


def later(seconds: float, action: Callable[[], object]) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


# -- http -----------------------------------------------------------------------------------------


def test_an_http_condition_holds_once_the_service_answers_200_after_503s() -> None:
    with serving((503, "starting"), (503, "starting"), (200, "ok")) as server:
        assert waited((HttpCondition(f"{server.url}/health", **FAST),)) is None
    assert [path for _, path, _ in server.asked] == ["/health"] * 3


def test_a_json_field_that_changes_is_waited_for_by_its_dotted_path() -> None:
    pending = {"order": {"state": "pending", "items": [{"paid": False}]}}
    settled = {"order": {"state": "settled", "items": [{"paid": True}]}}
    fields = (
        JsonField(("order", "state"), "settled"),
        JsonField(("order", "items", "0", "paid"), True),
    )
    with serving((200, pending), (200, pending), (200, settled)) as server:
        condition = HttpCondition(f"{server.url}/orders/42?full=1", fields=fields, **FAST)
        assert waited((condition,)) is None
    assert server.asked[-1] == ("GET", "/orders/42?full=1", None)
    assert len(server.asked) == 3


def test_a_status_that_never_comes_is_one_line_with_what_it_answered_last() -> None:
    with serving((503, ""), (404, "")) as server:
        condition = HttpCondition(f"{server.url}/orders/42", status=(200, 204), **SHORT)
        problem = waited((condition,))
    assert problem == f"GET {server.url}/orders/42 answered 404 (wanted 200 or 204) for 0.1s"


@pytest.mark.parametrize(
    ("body", "saw"),
    [
        (
            {"order": {"state": "pending"}},
            "answered 200 with order.state 'pending' (wanted 'settled')",
        ),
        ({"order": {"state": 1}}, "answered 200 with order.state 1 (wanted 'settled')"),
        ({"order": {}}, "answered 200 without the field order.state"),
        ({"order": ["settled"]}, "answered 200 without the field order.state"),
        ("<html>ok</html>", "answered 200 with a body that is not JSON"),
    ],
)
def test_a_json_field_that_never_settles_says_what_the_body_held(body: Any, saw: str) -> None:
    with serving((200, body)) as server:
        fields = (JsonField(("order", "state"), "settled"),)
        problem = waited((HttpCondition(f"{server.url}/o", fields=fields, **SHORT),))
    assert problem == f"GET {server.url}/o {saw} for 0.1s"


def test_true_is_not_one_and_a_list_is_indexed_by_digits() -> None:
    with serving((200, {"paid": 1, "items": ["a", "b"]})) as server:
        paid = HttpCondition(server.url, fields=(JsonField(("paid",), True),), **SHORT)
        assert (
            waited((paid,)) == f"GET {server.url} answered 200 with paid 1 (wanted true) for 0.1s"
        )
        second = HttpCondition(server.url, fields=(JsonField(("items", "1"), "b"),), **FAST)
        assert waited((second,)) is None
        beyond = HttpCondition(server.url, fields=(JsonField(("items", "2"), "b"),), **SHORT)
        assert waited((beyond,)) == (
            f"GET {server.url} answered 200 without the field items.2 for 0.1s"
        )


def test_numbers_match_whatever_json_writes_them_as() -> None:
    with serving((200, {"total": 12.5, "count": 3.0})) as server:
        fields = (JsonField(("total",), 12.5), JsonField(("count",), 3))
        assert waited((HttpCondition(server.url, fields=fields, **FAST),)) is None


def test_a_body_too_large_to_read_for_its_fields_says_so() -> None:
    with serving((200, "x" * (MAX_BODY + 1))) as server:
        fields = (JsonField(("state",), "settled"),)
        assert waited((HttpCondition(server.url, fields=fields, **SHORT),)) == (
            f"GET {server.url} answered 200 with a body over 1,048,576 bytes for 0.1s"
        )


def test_a_server_that_accepts_but_never_answers_timed_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/health"
        assert waited((HttpCondition(url, **SHORT),)) == (
            f"GET {url} did not answer (timed out) for 0.1s"
        )


def test_a_server_that_is_not_there_did_not_answer() -> None:
    with serving((200, "")) as server:
        url = server.url
    problem = waited((HttpCondition(f"{url}/health", method="HEAD", **SHORT),))
    assert problem == f"HEAD {url}/health did not answer (Connection refused) for 0.1s"


def test_a_password_in_the_url_is_sent_as_basic_auth_and_never_shown() -> None:
    with serving((401, "")) as server:
        url = server.url.replace("http://", "http://orch:hunter2%21@")
        problem = waited((HttpCondition(f"{url}/private", method="POST", **SHORT),))
    assert problem == (
        f"POST {server.url.replace('http://', 'http://orch:***@')}/private answered 401 "
        "(wanted 200) for 0.1s"
    )
    assert server.asked[0] == ("POST", "/private", "Basic b3JjaDpodW50ZXIyIQ==")  # orch:hunter2!


# -- files and logs -------------------------------------------------------------------------------


def test_a_file_written_later_by_another_thread_is_waited_for(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    later(0.1, lambda: export.write_text("id,total\n"))
    timer = later(0.2, lambda: export.write_text("id,total\n42,10.00\n"))
    conditions = (FileCondition(str(export), **FAST), FileCondition(str(export), "^42,", **FAST))
    assert waited(conditions) is None
    timer.join()
    assert export.read_text().endswith("42,10.00\n")


def test_a_file_that_never_comes_or_lacks_its_line_says_so(tmp_path: Path) -> None:
    missing, export = tmp_path / "missing.csv", tmp_path / "export.csv"
    export.write_text("id,total\n7,1.00\n")
    assert (
        waited((FileCondition(str(missing), **SHORT),)) == f"file {missing} was not there for 0.1s"
    )
    assert waited((FileCondition(str(export), "^42,", **SHORT),)) == (
        f"file {export} had no line matching '^42,' for 0.1s"
    )
    assert waited((FileCondition(str(tmp_path), "x", **SHORT),)) == (
        f"file {tmp_path} could not be read (Is a directory) for 0.1s"
    )


def test_a_log_line_appended_later_is_seen_even_written_in_two_parts(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("booting\n")

    def append(text: str) -> None:
        with log.open("a") as handle:
            handle.write(text)

    started = time.monotonic()
    later(0.1, lambda: append("payment 42 sett"))
    later(0.2, lambda: append("led\nshutting down\n"))
    condition = LogCondition(str(log), r"^payment \d+ settled$", **FAST)
    assert waited((condition,)) is None
    assert time.monotonic() - started >= 0.2  # not before the line was whole


def test_a_log_line_written_before_the_wait_began_counts_and_the_last_one_unended(
    tmp_path: Path,
) -> None:
    log = tmp_path / "app.log"
    log.write_text("payment 42 settled\r\nidle\n")
    assert waited((LogCondition(str(log), r"settled$", **SHORT),)) is None
    log.write_text("booting\nready")
    assert waited((LogCondition(str(log), r"^ready$", **SHORT),)) is None


def test_a_log_replaced_or_truncated_is_read_again_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("x" * 5000 + "\n")

    def rotate() -> None:
        fresh = tmp_path / "app.log.new"
        fresh.write_text("ready\n" + "z" * 6000 + "\n")  # longer than what was read of the old
        os.replace(fresh, log)

    later(0.1, rotate)
    assert waited((LogCondition(str(log), "^ready$", **FAST),)) is None
    log.write_text("y" * 5000 + "\n")
    later(0.1, lambda: log.write_text("up\n"))  # truncated, shorter than what was read
    assert waited((LogCondition(str(log), "^up$", **FAST),)) is None


def test_a_log_that_never_says_it_or_is_not_there_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    assert waited((LogCondition(str(log), "up", **SHORT),)) == f"log {log} was not there for 0.1s"
    assert waited((LogCondition(str(tmp_path), "up", **SHORT),)) == (
        f"log {tmp_path} could not be read (Is a directory) for 0.1s"
    )
    log.write_text("booting\n")
    assert waited((LogCondition(str(log), r"payment \d+ settled", **SHORT),)) == (
        f"log {log} had no line matching 'payment \\\\d+ settled' for 0.1s"
    )


# -- sql, through the port ------------------------------------------------------------------------


def test_an_sql_condition_holds_once_its_query_returns_a_row() -> None:
    probe = ScriptedProbe([], [], [(1,)])
    condition = SqlCondition("select 1 from payments where id = 42", dsn="host=db", **FAST)
    assert waited((condition,), probe) is None
    assert probe.asked == [("host=db", "select 1 from payments where id = 42")] * 3


def test_a_first_column_is_compared_with_its_text_when_a_string_is_wanted() -> None:
    probe = ScriptedProbe([("pending",)], [("pending",), (42,)])
    condition = SqlCondition("select state", dsn="host=db", accepted=("settled", "42"), **FAST)
    assert waited((condition,), probe) is None
    assert len(probe.asked) == 2


def test_a_numeric_column_matches_a_number_and_is_shown_as_the_database_gave_it() -> None:
    held = SqlCondition("select total", dsn="host=db", accepted=(42.5,), **FAST)
    assert waited((held,), ScriptedProbe([(Decimal("42.50"),)])) is None
    other = SqlCondition("select total", dsn="host=db", accepted=(2,), **SHORT)
    assert waited((other,), ScriptedProbe([(Decimal("1.50"),)])) == (
        "sql 'select total' on host=db returned one row, its first column 1.50 (wanted 2) for 0.1s"
    )


@pytest.mark.parametrize(
    ("answer", "accepted", "saw"),
    [
        ([], (), "returned no rows"),
        (
            [("pending",)],
            ("settled",),
            "returned one row, its first column 'pending' (wanted 'settled')",
        ),
        ([(0,), (1,)], (True,), "returned 2 rows, none whose first column is true (the first: 0)"),
        ([(None,)], ("None",), "returned one row, its first column null (wanted 'None')"),
        (
            SqlProbeError('relation "payments" does not exist'),
            (),
            'failed (relation "payments" does not exist)',
        ),
    ],
)
def test_an_sql_condition_that_never_holds_says_what_the_query_returned(
    answer: Any, accepted: tuple[Any, ...], saw: str
) -> None:
    condition = SqlCondition("select x", "host=db", "PAYMENTS_DSN", accepted, **SHORT)
    assert waited((condition,), ScriptedProbe(answer)) == (
        f"sql 'select x' on $PAYMENTS_DSN {saw} for 0.1s"
    )


def test_a_literal_dsn_is_shown_without_its_password() -> None:
    url_form = SqlCondition("select 1", dsn="postgresql://orch:hunter2pw@db/app", **SHORT)
    key_value = SqlCondition("select 1", dsn="host=db password=hunter2pw dbname=app", **SHORT)
    leaking = ScriptedProbe(SqlProbeError("could not log in as orch with hunter2pw"))
    assert waited((url_form,), leaking) == (
        "sql 'select 1' on postgresql://orch:***@db/app failed (could not log in as orch with "
        "***) for 0.1s"
    )
    assert waited((key_value,), ScriptedProbe([])) == (
        "sql 'select 1' on host=db password=*** dbname=app returned no rows for 0.1s"
    )


def test_a_probe_that_breaks_ends_the_wait_with_its_error_not_a_hang() -> None:
    condition = SqlCondition("select 1", dsn="host=db", **FAST)
    assert waited((condition,), ScriptedProbe(RuntimeError("bug in the probe"))) == (
        "sql 'select 1' on host=db: the check failed: RuntimeError: bug in the probe"
    )


def test_a_condition_that_cannot_be_checked_is_refused_before_any_thread_starts() -> None:
    with pytest.raises(ValueError) as raised:
        Waiting((SqlCondition("select 1", dsn="postgresql://orch:hunter2@db/app"),), None)
    assert str(raised.value) == (
        "sql 'select 1' on postgresql://orch:***@db/app: cannot be checked: no SqlProbe was given"
    )
    with pytest.raises(ValueError, match=r"on \$PAYMENTS_DSN: cannot be checked: resolve its"):
        Waiting((SqlCondition("select 1", dsn_env="PAYMENTS_DSN"),), ScriptedProbe([]))
    with pytest.raises(ValueError, match=r"not a valid regular expression"):
        Waiting((LogCondition("/x", "(unclosed"),), None)


# -- the wait as a whole --------------------------------------------------------------------------


def test_conditions_hold_in_turn_and_the_first_that_does_not_ends_the_wait(tmp_path: Path) -> None:
    with serving((200, "")) as server:
        missing = tmp_path / "never"
        problem = waited((FileCondition(str(missing), **SHORT), HttpCondition(server.url, **FAST)))
        assert problem == f"file {missing} was not there for 0.1s"
        assert server.asked == []  # the second was never asked
        (tmp_path / "ready").write_text("")
        both = (FileCondition(str(tmp_path / "ready"), **FAST), HttpCondition(server.url, **FAST))
        assert waited(both) is None
        assert len(server.asked) == 1
    assert waited(()) is None


def test_each_timeout_is_measured_by_the_clock_given() -> None:
    ticks = iter(range(0, 10_000, 31))
    with serving((503, "")) as server:
        waiting = Waiting((HttpCondition(server.url),), None, clock=lambda: next(ticks)).start()
        deadline = time.monotonic() + 5
        while not waiting.done():
            assert time.monotonic() < deadline
            time.sleep(0.005)
    assert waiting.problem == f"GET {server.url} answered 503 (wanted 200) for 30s"
    assert len(server.asked) == 1  # 31 s passed by the clock after the first check


def test_start_returns_at_once_and_cancel_ends_the_thread_promptly() -> None:
    with serving((503, "")) as server:
        waiting = Waiting((HttpCondition(server.url, timeout=60, interval=0.5),), None)
        began = time.monotonic()
        waiting.start()
        assert time.monotonic() - began < 0.1
        assert not waiting.done()
        while not server.asked:
            time.sleep(0.005)
        waiting.cancel()
        cancelled = time.monotonic()
        while not waiting.done():
            assert time.monotonic() - cancelled < 1, "cancel did not end the wait"
            time.sleep(0.005)
    assert waiting.problem == f"wait cancelled: GET {server.url} answered 503 (wanted 200)"
    assert not [t for t in threading.enumerate() if t.name == "orch-wait-for" and t.is_alive()]


def test_a_wait_cancelled_before_its_first_check_says_so(tmp_path: Path) -> None:
    waiting = Waiting((FileCondition(str(tmp_path / "x")),), None)
    waiting.cancel()
    waiting.start()
    while not waiting.done():
        time.sleep(0.005)
    assert waiting.problem == f"wait cancelled before file {tmp_path / 'x'} was checked"
