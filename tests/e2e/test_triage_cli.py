"""Triage end to end: ``orch run`` ends with root causes; ``orch triage`` reads runs and XML."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from orch_cli import write_files

NODE = str(Path(sys.executable).parent / "node")

PROJECT = {
    "orch.yaml": """
        applications:
          shop:
            path: .
            runner: pytest
        triage:
          categories:
            - name: database_connection
              patterns: ["Connection refused"]
              defect_type: environment_issue
          routing: {database_connection: database-team}
          fallback_owner: qa-lead
    """,
    "tests/test_db.py": """
        import socket

        import pytest


        def closed_port():
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            probe.close()
            return port


        @pytest.mark.parametrize("table", ["orders", "users", "carts"])
        def test_query(table):
            socket.create_connection(("127.0.0.1", closed_port()), timeout=1)


        def test_total():
            assert 2 + 2 == 5
    """,
}


def test_a_run_ends_with_categorised_routed_root_causes(tmp_path, orch):
    write_files(tmp_path, PROJECT)
    code, report = orch.json(".")
    assert code == 1
    triage = report["triage"]
    failures = {f["id"].split("::")[-1]: f for f in triage["failures"]}
    assert {f["category"] for k, f in failures.items() if k.startswith("test_query")} == {
        "database_connection"
    }
    assert failures["test_query[orders]"]["assigned_to"] == "database-team"
    assert failures["test_total"]["category"] == "assertion_failure"
    assert failures["test_total"]["assigned_to"] == "qa-lead"
    assert all(f["history"] == "new" for f in failures.values())
    shares = sorted(round(c["share"], 2) for c in triage["clusters"])
    assert shares == [0.25, 0.75], "three connection failures are one root cause"

    again = orch("triage", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert {f["id"] for f in json.loads(again.stdout)["failures"]} == {
        f["id"] for f in triage["failures"]
    }
    text = orch("triage")
    assert "2 root cause(s)" in text.stdout and "database-team" in text.stdout

    second_code, second = orch.json(".")
    assert {f["history"] for f in second["triage"]["failures"]} == {"known"}


def test_triage_reads_junit_files(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "report.xml": """
                <testsuite name="s" tests="2">
                  <testcase classname="shop.CartTest" name="total">
                    <failure message="expected 3 but was 4">AssertionError: expected 3</failure>
                  </testcase>
                  <testcase classname="shop.DbTest" name="connect">
                    <error message="java.net.ConnectException: Connection refused">x</error>
                  </testcase>
                </testsuite>
            """
        },
    )
    done = orch("triage", "report.xml", "--format", "json")
    assert done.returncode == 0, done.stderr
    categories = {f["id"]: f["category"] for f in json.loads(done.stdout)["failures"]}
    app = tmp_path.name  # no workflow file: the directory is the application, as for `orch run`
    assert categories == {
        f"{app}::shop.CartTest.total": "assertion_failure",
        f"{app}::shop.DbTest.connect": "connection_refused",
    }
    assert not (tmp_path / ".orch").exists(), "a pure file triage writes no state"
    named = orch("triage", "report.xml", "--app", "billing", "--format", "json")
    assert {f["id"] for f in json.loads(named.stdout)["failures"]} == {
        "billing::shop.CartTest.total",
        "billing::shop.DbTest.connect",
    }


def test_a_bad_category_regex_is_a_config_error_with_its_path(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "orch.yaml": """
                applications: {shop: {path: ., runner: pytest}}
                triage: {categories: [{name: db, patterns: ["(unclosed"]}]}
            """
        },
    )
    done = orch("run", ".")
    assert done.returncode == 2
    assert (
        "orch.yaml: $.triage.categories[0].patterns[0]: not a valid regular expression"
        in done.stderr
    )


def test_file_issues_into_the_inbox_once_per_run(tmp_path, orch):
    write_files(tmp_path, PROJECT)
    orch("run", ".")
    dry = orch("triage", "--file-issues", "--dry-run", "--format", "json")
    assert {f["action"] for f in json.loads(dry.stdout)["filed"]} == {"would create"}
    filed = json.loads(orch("triage", "--file-issues", "--format", "json").stdout)["filed"]
    assert sorted(f["action"] for f in filed) == ["created", "created"]
    again = json.loads(orch("triage", "--file-issues", "--format", "json").stdout)["filed"]
    assert {f["action"] for f in again} == {"unchanged"}
    inbox = json.loads(orch("triage", "--inbox", "--format", "json").stdout)
    assert len(inbox) == 2
    db = next(i for i in inbox if "database_connection" in i["labels"])
    assert db["assignee"] == "database-team" and db["comments"] == 0


UNLOADABLE_NODE_FILES = {
    "orch.yaml": """
        applications:
          web:
            path: web
            runner:
              command:
                run: >-
                  node --test --test-reporter=junit --test-reporter-destination={junit}
                  --test-reporter=spec --test-reporter-destination=stderr
    """,
    "web/test/pad.test.js": "const pad = require('left-pad');\n",
    "web/test/db.test.js": "const db = require('../lib/db');\n",
    "web/test/ok.test.js": "require('node:test')('adds', () => {});\n",
}


def test_a_run_judges_node_files_that_cannot_load_by_what_they_printed(tmp_path, orch):
    """Node's JUnit says only ``test failed``; the README's command keeps the spec output, which
    the shard's log holds and the run gives back: a missing package is the machine's, a missing
    module of the project the test's."""
    write_files(tmp_path, UNLOADABLE_NODE_FILES)
    code, report = orch.json(".")
    assert code == 1
    failures = {f["id"]: f for f in report["triage"]["failures"]}
    pad, db = failures["web::test/pad.test.js"], failures["web::test/db.test.js"]
    assert "Cannot find module 'left-pad'" in pad["message"]
    assert (pad["defect_type"], db["defect_type"]) == ("environment_issue", "automation_bug")


MONOREPO = {
    "orch.yaml": """
        applications:
          web:
            path: apps/web
            runner:
              command:
                run: "node --test --test-reporter=junit --test-reporter-destination={junit}"
          api:
            path: apps/api
            runner: pytest
    """,
    "apps/web/test/cart.test.mjs": """
        import { test, describe } from 'node:test';
        import assert from 'node:assert';

        describe('cart', () => {
          test('rejects a card', () => { assert.ok(false, 'card was accepted'); });
        });
        test('totals', () => { assert.deepStrictEqual({ total: 3 }, { total: 4 }); });
    """,
    "apps/api/tests/test_api.py": "def test_ok():\n    pass\n",
}


def test_triage_of_files_uses_the_workflows_application_names_and_ids(tmp_path, orch):
    """Issue 7 item 12: ``orch triage FILES`` named every application ``junit::``, rewrote ids
    and created ``.orch/`` in the current folder."""
    write_files(tmp_path, MONOREPO)
    web = tmp_path / "apps/web"
    subprocess.run(
        [NODE, "--test", "--test-reporter=junit", "--test-reporter-destination=junit.xml"],
        cwd=web,
        capture_output=True,
        timeout=120,
    )
    done = orch("triage", "apps/web/junit.xml", "--format", "json")
    assert done.returncode == 0, done.stderr
    failures = json.loads(done.stdout)["failures"]
    assert {f["id"] for f in failures} == {"web::cart > rejects a card", "web::totals"}
    assert not (tmp_path / ".orch").exists(), "nothing recorded, so no state written"
    assert str(web) not in done.stdout and "file://" not in done.stdout

    code, report = orch.json(".")
    assert code == 1
    assert {t["id"] for t in report["tests"] if t["outcome"] == "failed"} == {
        f["id"] for f in failures
    }, "the same ids as a run of the workflow"
    assert {t["file"] for t in report["tests"] if t["app"] == "web"} == {"test/cart.test.mjs"}
    totals = next(t for t in report["tests"] if t["id"] == "web::totals")
    assert "\n+   total: 3\n-   total: 4\n" in totals["message"], "the diff keeps its lines"

    unknown = orch("triage", "apps/web/junit.xml", "--app", "webb")
    assert unknown.returncode == 2 and "webb" in unknown.stderr


ORDERS = {
    "orch.yaml": """
        applications:
          orders:
            path: .
            runner: pytest
            retries: 1
        triage: {fallback_owner: "@frontend-team"}
    """,
    "orders/__init__.py": "",
    "orders/db.py": """
        class DatabaseConnectionError(Exception):
            pass


        def connect():
            raise DatabaseConnectionError("orders database is unreachable")
    """,
    "tests/test_orders.py": """
        from pathlib import Path

        from orders.db import connect


        def test_list_orders():
            connect()


        def test_cancel_order():
            connect()
    """,
    "tests/test_flaky.py": """
        from pathlib import Path

        from orders.db import connect


        def test_sometimes():
            marker = Path(__file__).with_name("tried")
            if not marker.exists():
                marker.write_text("once")
                connect()
    """,
}


def test_messages_root_causes_and_issues_read_cleanly(tmp_path, orch):
    """Issue 7 item 13: the exception type repeated, root causes without their tests and with a
    flaky one among them, ``@@team`` and duplicate labels, titles-only dry runs, no inbox
    commands."""
    write_files(tmp_path, ORDERS)
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\npythonpath = ['.']\n")
    code, report = orch.json(".")
    assert code == 1
    listed = next(t for t in report["tests"] if t["nodeid"].endswith("test_list_orders"))
    assert listed["message"] == (
        "orders.db.DatabaseConnectionError: orders database is unreachable"
    )

    text = orch("triage").stdout
    assert "1 root cause(s) of 2 failing test(s)" in text
    assert "orders::tests/test_orders.py::test_cancel_order" in text.split("flaky root")[0]
    assert "1 flaky root cause(s) (passed on retry)" in text
    assert "orders::tests/test_flaky.py::test_sometimes" in text.split("flaky root")[1]

    dry = orch("triage", "--file-issues", "--dry-run").stdout
    assert "would create: [orch] " in dry
    assert "    assignee: @frontend-team" in dry and "@@" not in dry
    assert "    | Tests (2):" in dry and "    | orch-fingerprint: " in dry
    drafts = json.loads(orch("triage", "--file-issues", "--dry-run", "--format", "json").stdout)
    assert all(f["draft"]["body"] and f["draft"]["labels"] for f in drafts["filed"])

    assert orch("triage", "--file-issues").returncode == 0
    listing = orch("inbox", "list")
    assert listing.returncode == 0, listing.stderr
    assert "@frontend-team" in listing.stdout and "@@" not in listing.stdout
    issues = json.loads(orch("inbox", "list", "--format", "json").stdout)
    assert all(len(i["labels"]) == len(set(i["labels"])) for i in issues)
    flaky = next(i for i in issues if "flaky" in i["labels"])
    shown = orch("inbox", "show", flaky["key"])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"{flaky['key']} [open] [orch] ")
    assert "assignee: @frontend-team" in shown.stdout and "test_sometimes" in shown.stdout
    closed = orch("inbox", "close", flaky["key"])
    assert closed.returncode == 0 and closed.stdout.strip() == f"closed {flaky['key']}"
    assert f"{flaky['key']} [closed]" in orch("triage", "--inbox").stdout
    missing = orch("inbox", "show", "INBOX-99")
    assert missing.returncode == 2 and "no issue 'INBOX-99'" in missing.stderr


def test_show_and_close_in_a_project_without_an_inbox_are_one_line_and_create_nothing(
    tmp_path, orch
):
    for command in ("show", "close"):
        done = orch("inbox", command, "INBOX-1")
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr == "orch: error: no issue 'INBOX-1': the inbox is empty\n"
    assert list(tmp_path.iterdir()) == []


def test_a_run_with_only_a_flaky_test_has_no_root_cause_of_failure(tmp_path, orch):
    files = {k: v for k, v in ORDERS.items() if k != "tests/test_orders.py"}
    write_files(tmp_path, files)
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\npythonpath = ['.']\n")
    done = orch("run", ".")
    assert done.returncode == 0, done.stderr
    assert "root cause(s) of" not in done.stdout
    assert "1 flaky root cause(s) (passed on retry)" in done.stdout


GOOD = """
    <testsuite name="s" tests="1">
      <testcase classname="shop.CartTest" name="total">
        <failure message="expected 3 but was 4">AssertionError: expected 3</failure>
      </testcase>
    </testsuite>
"""


def test_one_bad_result_file_does_not_hide_the_good_ones(tmp_path, orch):
    """Issue 8 item 4: ``orch triage good.xml bad.xml`` exited 2 and reported nothing."""
    write_files(
        tmp_path,
        {
            "good.xml": GOOD,
            "bad.xml": '<testsuite name="s">\n<testcase classname="a" name="b">\n',
            "notes.txt": "not a result file\n",
            "also-good.xml": GOOD.replace("CartTest", "OrderTest"),
        },
    )
    app = tmp_path.name
    done = orch("triage", "good.xml", "bad.xml", "notes.txt", "also-good.xml")
    assert done.returncode == 2, "CI must not take a triage that left results out as complete"
    assert f"{app}::shop.CartTest.total" in done.stdout
    assert f"{app}::shop.OrderTest.total" in done.stdout
    assert "2 failing test(s)" in done.stdout
    assert done.stderr.splitlines() == [
        "orch: error: bad.xml: not XML: unexpected end of file at line 2 (was the run killed "
        "while writing?); its tests are not in this triage",
        "orch: error: notes.txt: not a result file orch can read (JUnit XML or "
        "testng-results.xml); its tests are not in this triage",
    ]

    as_json = orch("triage", "good.xml", "bad.xml", "--format", "json")
    assert as_json.returncode == 2
    data = json.loads(as_json.stdout)
    assert [f["id"] for f in data["failures"]] == [f"{app}::shop.CartTest.total"]
    assert [u["file"] for u in data["unreadable"]] == ["bad.xml"]
    assert "unexpected end of file" in data["unreadable"][0]["problem"]

    only_bad = orch("triage", "bad.xml")
    assert (only_bad.returncode, only_bad.stdout) == (2, "")
    assert only_bad.stderr.count("\n") == 1 and "bad.xml" in only_bad.stderr
    assert json.loads(orch("triage", "good.xml", "--format", "json").stdout)["unreadable"] == []


def test_hostile_durations_and_a_doctype_reach_valid_reports(tmp_path, orch):
    """Issue 8 item 5, end to end: ``time="inf"`` wrote a bare Infinity into the JSON report, and
    a DOCTYPE naming a DTD on the web failed the file as if the run had been killed."""
    cases = "".join(
        f'<testcase classname="shop.T" name="t{n}" time="{time}"><failure message="no"/></testcase>'
        for n, time in enumerate(["inf", "1e999", "9" * 400, "nan"])
    )
    write_files(
        tmp_path,
        {
            "orch.yaml": """
                applications:
                  shop: {path: ., runner: {command: {run: "cp results.xml {junit}"}}}
            """,
            "results.xml": '<?xml version="1.0"?>\n'
            '<!DOCTYPE testsuite SYSTEM "http://example.com/junit.dtd">\n'
            f'<testsuite name="s" time="inf">{cases}</testsuite>\n',
        },
    )
    done = orch("run", ".", "--json", "report.json", "--format", "json")
    assert done.returncode == 1, done.stderr
    for text in (done.stdout, (tmp_path / "report.json").read_text()):
        report = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
        assert {t["nodeid"]: t["duration"] for t in report["tests"]} == {
            f"shop.T.t{n}": 0.0 for n in range(4)
        }
        assert {t["outcome"] for t in report["tests"]} == {"failed"}
