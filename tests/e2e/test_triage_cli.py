"""Triage end to end: ``orch run`` ends with root causes; ``orch triage`` reads runs and XML."""

from __future__ import annotations

import json

from orch_cli import write_files

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
    assert categories == {
        "report::shop.CartTest.total": "assertion_failure",
        "report::shop.DbTest.connect": "connection_refused",
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
