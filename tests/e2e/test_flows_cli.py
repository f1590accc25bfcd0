"""A cross-application flow in real runs: a pytest login whose return value is a token, a pytest
payment taking it as its ``Authorization`` header against a simulator orch provisions (after
waiting for the simulator to answer), and a node test reading the payment's id from
``$ORCH_INPUTS``; the token masked everywhere; a broken step blocking what follows; ``orch flow
show``; one JUnit testsuite per flow; ``orch run --resume`` running only what did not pass,
with the values recorded before; and the simulator's ``expect`` checked as results, its calls
adding up across a resume."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from orch_cli import write_files

TOKEN = "tok-5f1e2d3c4b5a"

WORKFLOW = """
    applications:
      user-service: {path: users, runner: pytest}
      payment-service:
        path: pay
        runner: pytest
        environment: it
        env: {BANK: "{bank.url}"}
      web-frontend:
        path: web
        runner:
          command:
            run: "node --test --test-reporter=junit --test-reporter-destination={junit} {test_path}"
    environments:
      it:
        services:
          bank:
            type: simulator
            routes:
              - request: {method: POST, path: /payments, headers: {Authorization: "Bearer *"}}
                responses:
                  - status: 201
                    json: {id: "pay-{{request.json.order}}"}
    cross_app_tests:
      checkout:
        steps:
          - {app: user-service, test: "tests/test_auth.py::test_login"}
          - app: payment-service
            test: "tests/test_pay.py::test_pay"
            wait_for: {http: "${BANK}/__orch/health", timeout: 10}
          - {app: web-frontend, test: test/confirm.test.mjs}
        data_flow:
          user_token:
            from: user-service.test_login.return.token
            to: payment-service.test_pay.headers.Authorization
          payment_id:
            from: payment-service.test_pay.return.id
            to: web-frontend.confirm.test.props.paymentId
"""

FILES = {
    "users/tests/test_auth.py": f"""
        def test_login():
            print("logged in with token {TOKEN}")
            return {{"token": "{TOKEN}", "user": "ann"}}
    """,
    "pay/tests/conftest.py": """
        import pytest

        @pytest.fixture
        def headers():
            return {"Accept": "application/json"}
    """,
    "pay/tests/test_pay.py": """
        import json, os, urllib.request

        def test_pay(headers):
            assert os.environ.get("PAY_BROKEN") is None and not os.path.exists("BROKEN")
            request = urllib.request.Request(
                os.environ["BANK"] + "/payments", data=json.dumps({"order": 7}).encode(),
                method="POST",
                headers={**headers, "Authorization": "Bearer " + headers["Authorization"],
                         "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                print("paid with", headers["Authorization"])
                return json.loads(response.read())
    """,
    "web/test/confirm.test.mjs": """
        import test from 'node:test';
        import assert from 'node:assert';
        import fs from 'node:fs';
        const inFlow = Boolean(process.env.ORCH_INPUTS);
        test('shows the payment id', { skip: !inFlow && 'runs in a flow' }, () => {
          const inputs = JSON.parse(fs.readFileSync(process.env.ORCH_INPUTS, 'utf8'));
          assert.strictEqual(inputs.payment_id, 'pay-7');
        });
    """,
}


def flow_steps(report: dict) -> dict[str, str]:
    return {s["step"]: s["outcome"] for flow in report["flows"] for s in flow["steps"]}


def test_the_seed_flow_hands_its_values_on_and_shows_end_to_end(tmp_path, orch):
    write_files(tmp_path, {"orch.yaml": WORKFLOW, **FILES})
    code, report = orch.json(".", "--junit-xml", "junit.xml")
    assert code == 0, report["tests"]
    assert flow_steps(report) == {
        "test_login": "passed",
        "test_pay": "passed",
        "confirm.test": "passed",
    }
    (flow,) = report["flows"]
    login, pay, web = flow["steps"]
    assert pay["inputs"] == {"user_token": "***"} and web["inputs"] == {"payment_id": "pay-7"}
    assert pay["outputs"] == {"return": {"id": "pay-7"}} and pay["environment"] == "it"
    assert login["ended_at"] <= pay["started_at"] and pay["ended_at"] <= web["started_at"]
    everything = json.dumps(report) + (tmp_path / "junit.xml").read_text()
    assert TOKEN not in everything  # the token it handed on is masked in every output
    suites = {s.get("name"): s for s in ET.parse(tmp_path / "junit.xml").getroot()}
    cases = [(c.get("classname"), c.get("name")) for c in suites["flow:checkout"]]
    assert cases == [
        ("user-service", "test_login"),
        ("payment-service", "test_pay"),
        ("web-frontend", "confirm.test"),
    ]
    shown = orch("flow", "show")
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert lines[0] == "flow checkout: passed"
    assert "passed   test_pay (payment-service, env it)" in lines[3]
    assert TOKEN not in shown.stdout


def test_a_broken_step_blocks_the_rest_and_resume_runs_only_that(tmp_path, orch):
    write_files(tmp_path, {"orch.yaml": WORKFLOW, **FILES, "pay/BROKEN": ""})
    code, report = orch.json(".")
    assert code == 1
    assert flow_steps(report) == {
        "test_login": "passed",
        "test_pay": "failed",
        "confirm.test": "blocked",
    }
    assert report["flows"][0]["broke_at"] == "test_pay"
    shown = orch("flow", "show").stdout
    assert "flow checkout: failed, broke at test_pay" in shown
    assert "blocked: dependency flow:checkout/test_pay failed" in shown

    summary = orch("run", ".").stdout
    assert "flow checkout: failed, broke at test_pay (payment-service)" in summary
    assert (
        "web-frontend: ran 1 (1 skipped); blocked 1: blocked: dependency "
        "flow:checkout/test_pay failed"
    ) in summary

    (tmp_path / "pay/BROKEN").unlink()
    code, resumed = orch.json(".", "--resume", report["run"]["id"])
    assert code == 0, resumed["tests"]
    assert flow_steps(resumed) == {
        "test_login": "passed",
        "test_pay": "passed",
        "confirm.test": "passed",
    }
    login = resumed["flows"][0]["steps"][0]
    assert login["attempts"] == 1  # not run again: its token came from the values recorded
    pay = next(t for t in resumed["tests"] if t["nodeid"].endswith("[checkout:test_pay]"))
    assert pay["attempts"] == 2
    assert TOKEN not in json.dumps(resumed)  # the token handed on before is masked too


def test_an_unavailable_application_blocks_its_steps_naming_it(tmp_path, orch):
    unhealthy = WORKFLOW.replace(
        "user-service: {path: users, runner: pytest}",
        "user-service: {path: users, runner: pytest, "
        "health: {http: 'http://127.0.0.1:9/health', timeout: 0.5}}",
    )
    write_files(tmp_path, {"orch.yaml": unhealthy, **FILES})
    code, report = orch.json(".")
    assert code == 1
    steps = {s["step"]: (s["outcome"], s["reason"]) for s in report["flows"][0]["steps"]}
    outcome, reason = steps["test_login"]
    assert outcome == "blocked"
    assert reason.startswith(
        "blocked: application user-service is unavailable: GET http://127.0.0.1:9/health "
    ), reason
    assert steps["test_pay"] == ("blocked", "blocked: dependency flow:checkout/test_login blocked")
    own = [t for t in report["tests"] if "[checkout:" not in t["nodeid"]]
    assert own and all(t["outcome"] in ("passed", "skipped") for t in own)  # the rest still ran


def test_a_service_that_cannot_start_falls_back_to_its_simulator_and_the_report_says_so(
    tmp_path, orch
):
    falling_back = WORKFLOW.replace(
        "          bank:\n            type: simulator\n",
        "          bank:\n            type: process\n            command: [sh, -c, 'exit 3']\n"
        "            ports: [8080]\n            fallback: simulate\n",
    )
    assert falling_back != WORKFLOW
    write_files(tmp_path, {"orch.yaml": falling_back, **FILES})
    code, report = orch.json(".")
    assert code == 0, report["tests"]
    pay = report["flows"][0]["steps"][1]
    assert pay["outcome"] == "passed" and pay["simulated"] == ["bank"]
    result = next(t for t in report["tests"] if t["nodeid"].endswith("[checkout:test_pay]"))
    assert "simulated:bank" in result["markers"]
    assert "simulated bank" in orch("flow", "show").stdout

    always = falling_back.replace("fallback: simulate", "simulate: true")
    write_files(tmp_path, {"orch.yaml": always})
    code, report = orch.json(".")
    assert code == 0 and report["flows"][0]["steps"][1]["simulated"] == ["bank"]


EXPECTING = WORKFLOW.replace(
    '                    json: {id: "pay-{{request.json.order}}"}\n',
    '                    json: {id: "pay-{{request.json.order}}"}\n'
    "                expect: {times: 1}\n"
    "              - request: {method: GET, path: /receipts}\n"
    "                response: {status: 200}\n"
    "                expect: 1\n",
)


def checks(report: dict) -> dict[str, tuple[str, str, str, int]]:
    return {
        t["nodeid"]: (t["app"], t["outcome"], t["message"], t["attempts"])
        for t in report["tests"]
        if t["nodeid"].startswith("simulator:")
    }


def test_the_simulator_s_expectations_are_results_and_add_up_across_a_resume(tmp_path, orch):
    assert EXPECTING != WORKFLOW
    write_files(tmp_path, {"orch.yaml": EXPECTING, **FILES, "pay/BROKEN": ""})
    code, report = orch.json(".", "--junit-xml", "junit.xml")
    assert code == 1
    said = "simulator 'bank' expected {} exactly 1 time, got {}"
    assert checks(report) == {
        "simulator:bank::expect POST /payments": (
            "payment-service",
            "failed",
            said.format("POST /payments", 0),
            1,
        ),
        "simulator:bank::expect GET /receipts": (
            "payment-service",
            "failed",
            said.format("GET /receipts", 0),
            1,
        ),
    }
    cases = ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    named = {(c.get("classname"), c.get("name")): c.find("failure") is not None for c in cases}
    assert named[("simulator:bank", "expect POST /payments")] is True

    (tmp_path / "pay/BROKEN").unlink()
    code, resumed = orch.json(".", "--resume", report["run"]["id"])
    assert code == 1, "the receipts were never asked for"
    assert flow_steps(resumed)["test_pay"] == "passed"
    assert checks(resumed) == {
        "simulator:bank::expect POST /payments": (
            "payment-service",
            "passed",
            said.format("POST /payments", 1) + ": POST /payments 201",
            2,
        ),
        "simulator:bank::expect GET /receipts": (
            "payment-service",
            "failed",
            said.format("GET /receipts", 0),
            2,
        ),
    }
    assert TOKEN not in json.dumps(resumed)
