"""The README's demo end to end: ``orch run`` on a copy of contrib/demo, four apps, two stacks.

A fresh copy has a cold inventory cache, so the demo's flaky test fails once and passes on retry,
the payment bug fails twice, the node tests come in through ``node --test``'s JUnit XML, and the
payment flow hands a token and a payment id across three applications, through a simulated bank.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ORCH = str(Path(sys.executable).parent / "orch")
DEMO = Path(__file__).resolve().parents[2] / "contrib" / "demo"

FAILING = (
    "payment-service::tests/test_refunds.py::test_percent_refund_is_rounded_to_minor_unit[JPY]"
)
FLAKY = (
    "inventory-service::tests/test_search.py::test_office_products_are_searchable_on_service_start"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """The JSON report of one demo run on a fresh copy (no .orch, no report, no warm cache)."""
    assert shutil.which("node"), "the demo's web-frontend needs node >= 20 on PATH"
    demo = tmp_path_factory.mktemp("demo") / "demo"
    shutil.copytree(
        DEMO, demo, ignore=shutil.ignore_patterns(".orch", "report", ".cache", "__pycache__")
    )
    shutil.copy("/bin/busybox", demo / "services" / "fx-rates" / "busybox")  # as ./run does
    done = subprocess.run(
        [ORCH, "run", str(demo), "--format", "json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    return json.loads(done.stdout)


def results_of(report: dict, app: str) -> dict[str, dict]:
    """``app``'s own results (not its flow steps')."""
    return {
        t["nodeid"]: t
        for t in report["tests"]
        if t["app"] == app and not any(m.startswith("flow:") for m in t["markers"])
    }


def test_the_payment_bug_fails_with_its_assertion(report):
    failed = [t for t in report["tests"] if t["outcome"] == "failed"]
    assert [t["id"] for t in failed] == [FAILING]
    assert "Decimal('299.85') == Decimal('300')" in failed[0]["message"] + failed[0]["longrepr"]
    payments = Counter(t["outcome"] for t in results_of(report, "payment-service").values())
    assert payments == {"passed": 32, "failed": 1}


def test_the_cold_cache_test_is_flaky_not_failed(report):
    inventory = results_of(report, "inventory-service")
    flaky = inventory[FLAKY.split("::", 1)[1]]
    assert flaky["outcome"] == "flaky"
    assert flaky["attempts"] == 2
    assert Counter(t["outcome"] for t in inventory.values()) == {"passed": 17, "flaky": 1}


def test_the_payment_tests_talk_to_the_database_and_the_container_orch_provisioned(report):
    payments = results_of(report, "payment-service")
    provisioned = [nodeid for nodeid in payments if nodeid.startswith("tests/test_ledger.py")]
    assert len(provisioned) == 4
    assert {payments[nodeid]["outcome"] for nodeid in provisioned} == {"passed"}


def test_the_payment_tests_read_the_customers_orch_generated_each_on_a_copy(report):
    payments = results_of(report, "payment-service")
    generated = [nodeid for nodeid in payments if nodeid.startswith("tests/test_customers.py")]
    assert len(generated) == 4
    assert {payments[nodeid]["outcome"] for nodeid in generated} == {"passed"}
    demo = Path(report["run"]["workflow"]).parent
    seen = json.loads((demo / ".orch" / "runs" / report["run"]["id"] / "data.json").read_text())
    assert seen["payment-service"]["dataset"] == "payments-data"
    assert seen["payment-service"]["per"] == "worker"


def test_the_node_tests_come_from_nodes_junit_xml(report):
    web = results_of(report, "web-frontend")
    assert Counter(t["outcome"] for t in web.values()) == {"passed": 14, "skipped": 2}
    names = " ".join(web)
    assert "formats 123450 EUR in de-DE" in names
    assert "taxes the discounted amount" in names
    skipped = " ".join(t["nodeid"] for t in web.values() if t["outcome"] == "skipped")
    assert "right-to-left locales use their own digits" in skipped
    assert "the confirmation shows the payment's id" in skipped  # outside its flow


def test_the_counts_add_up(report):
    summary = report["summary"]
    assert report["run"]["exit_code"] == 1
    assert len(report["tests"]) == 33 + 18 + 16 + 2 + 3  # apps' own, then the flow's steps
    assert Counter(t["outcome"] for t in report["tests"]) == {
        outcome: n for outcome, n in summary.items() if n
    }
    assert summary["failed"] == 1
    assert summary["flaky"] == 1
    assert summary["skipped"] == 2
    assert summary["passed"] == 32 + 17 + 14 + 2 + 3


def test_the_payment_flow_hands_its_values_across_three_apps_through_a_simulated_bank(report):
    (flow,) = report["flows"]
    assert flow["name"] == "end-to-end-payment" and flow["outcome"] == "passed"
    login, pay, confirm = flow["steps"]
    assert [s["app"] for s in flow["steps"]] == ["user-service", "payment-service", "web-frontend"]
    assert login["outputs"]["return"] == {"token": "***", "user": "alice"}  # a secret's name
    assert pay["inputs"] == {"user_token": "***"} and pay["environment"] == "payments"
    assert pay["simulated"] == ["card-bank"]  # the bank is orch's simulator
    assert confirm["inputs"] == {"payment_id": "pay-ch_1", "amount": "49.90"}
    assert login["ended_at"] <= pay["started_at"] and pay["ended_at"] <= confirm["started_at"]
