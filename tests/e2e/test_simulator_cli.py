"""A ``simulator`` service in a real run: orch starts its HTTP stand-in, the application's pytest
tests call it at the address orch gives them (a first call failing, then answering), read what it
recorded, and nothing is left once the run ends; a wrong route is one line at its path."""

from __future__ import annotations

from environment_project import left_behind
from orch_cli import outcomes, write_files

WORKFLOW = """
    applications:
      shop:
        path: shop
        runner: pytest
        environment: it
        env: {BANK: "{bank.url}"}
    environments:
      it:
        services:
          bank:
            type: simulator
            routes:
              - request: {method: POST, path: "/charges", headers: {Authorization: "Bearer *"}}
                responses:
                  - {status: 503}
                  - status: 201
                    json: {id: "ch-{{request.json.order}}", amount: "{{request.json.amount}}"}
"""

TESTS = """
    import json, os, urllib.error, urllib.request

    def charge(body):
        request = urllib.request.Request(
            os.environ["BANK"] + "/charges", data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer t0k", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, None

    def test_the_bank_fails_once_then_charges():
        assert charge({"order": 7, "amount": 9.5})[0] == 503
        assert charge({"order": 7, "amount": 9.5}) == (201, {"id": "ch-7", "amount": 9.5})
        with urllib.request.urlopen(os.environ["BANK"] + "/__orch/requests") as response:
            recorded = json.loads(response.read())
        assert [r["status"] for r in recorded] == [503, 201]
        assert recorded[1]["json"] == {"order": 7, "amount": 9.5}
"""


def test_a_run_calls_its_simulator_and_leaves_nothing(tmp_path, orch):
    write_files(tmp_path, {"orch.yaml": WORKFLOW, "shop/test_bank.py": TESTS})
    code, report = orch.json(".")
    assert code == 0, report
    assert outcomes(report) == {"test_bank.py::test_the_bank_fails_once_then_charges": "passed"}
    assert left_behind(report["run"]["id"]) == []


def test_a_wrong_route_is_one_line_at_its_path(tmp_path, orch):
    broken = WORKFLOW.replace("{status: 503}", "{status: 503, fault: hang}")
    write_files(tmp_path, {"orch.yaml": broken, "shop/test_bank.py": TESTS})
    done = orch("run", ".")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "orch: error: orch.yaml: $.environments.it.services.bank.routes[0].responses[0].fault: "
        "unknown fault 'hang' (available: timeout, drop)"
    ]
    assert "passed" not in done.stdout
