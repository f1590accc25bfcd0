"""Cross-application flows run by the real run use case on fakes: steps as plan nodes in order or
as a graph, values handed from one step's outputs to the next step's inputs, blocked consumers
with the reason, ``when``, per-step retries and timeouts, parallel flows under the worker limit,
an application's own run leaving out the tests its flows run, records, and resume."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from attrs import evolve
from fake_run import fake_session

from orch.core import Workflow
from orch.core.run.flow_records import RECORDS_FILE, VALUES_FILE
from orch.core.shared.condition_spec import conditions_from
from orch.core.shared.flow_spec import flow_from
from orch.ports import Application, Execution, Outcome, RunRecord
from orch.ports.flows import step_of
from orch.testing.fake_runner import HANG, FakeClock, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore

TOKEN = "tok-0123456789"


def workflow(tmp_path: Path, runner: FakeRunner, flows: dict, workers: int = 2) -> Workflow:
    apps = tuple(Application(name, tmp_path, "fake") for name in runner.tests)
    names = [app.name for app in apps]
    specs = []
    for name, given in flows.items():
        flow, problems = flow_from(name, given, f"$.cross_app_tests.{name}", names)
        assert flow is not None, problems
        specs.append(flow)
    return Workflow(
        applications=apps,
        execution=Execution(workers=workers),
        root=tmp_path,
        cross_app_tests=tuple(specs),
    )


def steps(result) -> dict[str, tuple[str, str]]:
    """Each flow step's result: ``flow/step`` -> (outcome, message)."""
    found = {}
    for r in result.results:
        flow_step = step_of(r)
        if flow_step is not None:
            found["/".join(flow_step)] = (r.outcome.value, r.message)
    return found


def checkout_runner(pay_script: tuple[str, ...] = ("passed",)) -> FakeRunner:
    return FakeRunner(
        {
            "users": [
                FakeTest("tests/test_auth.py::test_login", publishes={"token": TOKEN}),
                FakeTest("tests/test_auth.py::test_other"),
            ],
            "pay": [FakeTest("tests/test_pay.py::test_pay", pay_script, publishes={"id": "p-7"})],
            "web": [FakeTest("Confirm.test.js")],
        }
    )


CHECKOUT = {
    "steps": [
        {"app": "users", "test": "tests/test_auth.py::test_login"},
        {"app": "pay", "test": "tests/test_pay.py::test_pay"},
        {"app": "web", "test": "Confirm.test.js"},
    ],
    "data_flow": {
        "user_token": {
            "from": "users.test_login.outputs.token",
            "to": "pay.test_pay.headers.Authorization",
        },
        "payment_id": {"from": "pay.test_pay.return.id", "to": "web.Confirm.test.props.paymentId"},
    },
}


def test_steps_run_in_order_and_each_value_reaches_its_consumer(tmp_path):
    runner = checkout_runner()
    flows = workflow(tmp_path, runner, {"checkout": CHECKOUT})
    result = fake_session(flows, runner, keep_raw_output=True).execute()
    assert steps(result) == {
        "checkout/test_login": ("passed", ""),
        "checkout/test_pay": ("passed", ""),
        "checkout/Confirm.test": ("passed", ""),
    }
    assert runner.inputs == [
        ("tests/test_auth.py::test_login", {}),
        ("tests/test_pay.py::test_pay", {"user_token": TOKEN}),
        ("Confirm.test.js", {"payment_id": "p-7"}),
    ]
    pay_env = next(env for env in runner.envs if env.get("ORCH_STEP") == "test_pay")
    assert pay_env["ORCH_INPUT_USER_TOKEN"] == TOKEN and pay_env["ORCH_FLOW"] == "checkout"
    arguments = json.loads(Path(pay_env["ORCH_ARGUMENTS"]).read_text())
    assert arguments == [
        {"name": "user_token", "argument": "headers", "keys": ["Authorization"], "value": TOKEN}
    ]
    (flow,) = result.flows
    assert flow.outcome is Outcome.PASSED and flow.broke_at is None
    login, pay, web = flow.steps
    assert login.outputs == {"outputs": {"token": "***"}}  # a secret's name masks its value
    assert pay.inputs == {"user_token": "***"} and web.inputs == {"payment_id": "p-7"}
    assert login.started <= login.ended <= pay.started <= pay.ended <= web.started


def test_the_app_s_own_run_leaves_out_what_its_flows_run(tmp_path):
    runner = checkout_runner()
    result = fake_session(workflow(tmp_path, runner, {"checkout": CHECKOUT}), runner).execute()
    own = sorted(r.nodeid for r in result.results if step_of(r) is None)
    assert own == ["tests/test_auth.py::test_other"]
    assert result.exit_code == 0


def test_a_failed_step_blocks_what_follows_with_the_reason_and_the_run_fails(tmp_path):
    runner = checkout_runner(pay_script=("failed",))
    result = fake_session(workflow(tmp_path, runner, {"checkout": CHECKOUT}), runner).execute()
    found = steps(result)
    assert found["checkout/test_pay"][0] == "failed"
    assert found["checkout/Confirm.test"] == (
        "blocked",
        "blocked: dependency flow:checkout/test_pay failed",
    )
    assert [nodeids for nodeids in runner.commands if "Confirm.test.js" in nodeids] == []
    assert result.flows[0].broke_at.step == "test_pay" and result.exit_code == 1


def test_a_missing_output_blocks_its_consumer_naming_the_path(tmp_path):
    runner = checkout_runner()
    runner.tests["users"]["tests/test_auth.py::test_login"] = FakeTest(
        "tests/test_auth.py::test_login", publishes={"session": "s"}
    )
    result = fake_session(workflow(tmp_path, runner, {"checkout": CHECKOUT}), runner).execute()
    assert steps(result)["checkout/test_pay"] == (
        "blocked",
        "blocked: input users.test_login.outputs.token: no 'token' in outputs (it has session)",
    )
    assert steps(result)["checkout/Confirm.test"][0] == "blocked"


def test_when_runs_a_step_only_after_the_outcome_it_names(tmp_path):
    runner = FakeRunner(
        {
            "pay": [FakeTest("t.py::test_pay", ("failed",))],
            "ops": [FakeTest("t.py::test_refund"), FakeTest("t.py::test_receipt")],
        }
    )
    flow = {
        "steps": [
            {"app": "pay", "test": "t.py::test_pay"},
            {
                "app": "ops",
                "test": "t.py::test_refund",
                "when": {"step": "test_pay", "outcome": "failed"},
            },
            {
                "app": "ops",
                "test": "t.py::test_receipt",
                "depends_on": ["test_pay"],
                "when": {"step": "test_pay", "outcome": "passed"},
            },
        ]
    }
    result = fake_session(workflow(tmp_path, runner, {"f": flow}), runner).execute()
    assert steps(result) == {
        "f/test_pay": ("failed", "failed on attempt 1"),
        "f/test_refund": ("passed", ""),
        "f/test_receipt": ("skipped", "when: step test_pay failed, wanted passed"),
    }


def test_a_step_s_retries_make_it_flaky_and_its_timeout_kills_it(tmp_path):
    runner = FakeRunner(
        {
            "a": [
                FakeTest("t.py::test_once", ("failed", "passed")),
                FakeTest("t.py::test_hang", (HANG,)),
            ]
        }
    )
    flow = {
        "steps": [
            {"app": "a", "test": "t.py::test_once", "retries": 1},
            {"app": "a", "test": "t.py::test_hang", "timeout": 0.5, "depends_on": []},
        ]
    }
    session = fake_session(workflow(tmp_path, runner, {"f": flow}), runner, clock=FakeClock(0.1))
    result = session.execute()
    found = steps(result)
    assert found["f/test_once"][0] == "flaky"
    assert found["f/test_hang"][0] == "timeout"
    assert "step exceeded its timeout of 0.5s" in found["f/test_hang"][1]
    assert [s.attempts for s in result.flows[0].steps] == [2, 1]


def test_independent_flows_run_side_by_side_under_the_worker_limit(tmp_path):
    tests = {f"app{i}": [FakeTest(f"t.py::test_{j}") for j in range(3)] for i in range(4)}
    runner = FakeRunner(tests)
    flows = {
        f"flow{i}": {"steps": [{"app": f"app{i}", "test": f"t.py::test_{j}"} for j in range(3)]}
        for i in range(4)
    }
    session = fake_session(workflow(tmp_path, runner, flows, workers=2), runner)
    result = session.execute()
    assert len(steps(result)) == 12 and all(o == "passed" for o, _ in steps(result).values())
    firsts = [p.nodeids[0] for p in session.executor.started]
    assert firsts[:2] == ["t.py::test_0", "t.py::test_0"]  # two flows start at once


def test_records_and_values_are_kept_with_the_run(tmp_path):
    runner = checkout_runner()
    result = fake_session(workflow(tmp_path, runner, {"checkout": CHECKOUT}), runner).execute()
    run_dir = tmp_path / ".orch" / "runs" / result.run_id
    shown = json.loads((run_dir / RECORDS_FILE).read_text())
    assert shown[0]["name"] == "checkout" and shown[0]["outcome"] == "passed"
    assert TOKEN not in (run_dir / RECORDS_FILE).read_text()
    values = run_dir / VALUES_FILE
    lines = [json.loads(line) for line in values.read_text().splitlines()]
    published = [(x["flow"], x["step"], x["values"]) for x in lines if "values" in x]
    assert published[0] == ("checkout", "test_login", {"outputs": {"token": TOKEN}})
    assert values.stat().st_mode & 0o077 == 0  # the raw values: the owner's only


def test_a_values_file_cut_short_by_a_kill_resumes_and_one_broken_inside_says_so(tmp_path):
    from orch.core.run.flow_records import FlowRecorder
    from orch.ports import ConfigError

    saved = FlowRecorder(tmp_path)
    saved.published("f", "a", {"return": {"id": 1}})
    saved.published("f", "b", {"return": {"id": 2}})
    path = tmp_path / VALUES_FILE
    path.write_text(path.read_text() + '{"flow": "f", "st')  # killed mid-line
    assert FlowRecorder(tmp_path).values("f", "b") == {"return": {"id": 2}}
    path.write_text('{"flow": \n' + path.read_text())
    with pytest.raises(ConfigError, match=r"flow-values.jsonl: .* \(line 1: .*start a new run"):
        FlowRecorder(tmp_path)


def test_resume_runs_only_the_failed_and_unfinished_steps_with_the_values_recorded(tmp_path):
    store = FakeStore()
    failing = checkout_runner(pay_script=("failed",))
    first = fake_session(
        workflow(tmp_path, failing, {"checkout": CHECKOUT}), failing, store
    ).execute()
    assert steps(first)["checkout/test_pay"][0] == "failed"

    fixed = checkout_runner()
    resumed = fake_session(workflow(tmp_path, fixed, {"checkout": CHECKOUT}), fixed, store).execute(
        resume=first.run_id
    )
    assert [nodeid for nodeid, _ in fixed.inputs] == [
        "tests/test_pay.py::test_pay",
        "Confirm.test.js",
    ]
    assert fixed.inputs[0][1] == {"user_token": TOKEN}  # recorded by the first run
    assert {k: o for k, (o, _) in steps(resumed).items()} == {
        "checkout/test_login": "passed",
        "checkout/test_pay": "passed",
        "checkout/Confirm.test": "passed",
    }
    finals = {r.nodeid: (r.outcome, r.attempt) for r in store.final_results(first.run_id)}
    assert finals["tests/test_pay.py::test_pay[checkout:test_pay]"] == (Outcome.PASSED, 2)
    assert resumed.exit_code == 0


def test_a_resumed_run_that_recorded_no_values_blocks_the_consumer(tmp_path):
    store = FakeStore()
    store.create_run(RunRecord(id="r1", workflow="w", commit="", started_at=0.0))
    runner = checkout_runner()
    flow = workflow(tmp_path, runner, {"checkout": CHECKOUT})
    from orch.ports import Progress, TestResult

    login = TestResult(
        "users",
        "tests/test_auth.py::test_login[checkout:test_login]",
        Outcome.PASSED,
        markers=("flow:checkout", "step:test_login"),
    )
    store.record("r1", Progress(finals=[login]))
    resumed = fake_session(flow, runner, store).execute(resume="r1")
    assert steps(resumed)["checkout/test_pay"] == (
        "blocked",
        "blocked: input users.test_login.outputs.token: step test_login of users published no "
        "outputs",
    )


def test_a_step_waits_for_its_state_and_a_wait_that_never_holds_blocks_it(tmp_path):
    runner = FakeRunner({"a": [FakeTest("t.py::test_ready"), FakeTest("t.py::test_never")]})
    flow = {
        "steps": [
            {
                "app": "a",
                "test": "t.py::test_ready",
                "wait_for": {"file": "${OUT}/ready", "interval": 0.02},
            },
            {
                "app": "a",
                "test": "t.py::test_never",
                "depends_on": [],
                "wait_for": [{"file": "${OUT}/never", "timeout": 0.2, "interval": 0.02}],
            },
        ]
    }
    flows = workflow(tmp_path, runner, {"f": flow})
    flows = evolve(flows, applications=(evolve(flows.applications[0], env={"OUT": str(tmp_path)}),))
    later = threading.Timer(0.1, (tmp_path / "ready").write_text, ("yes",))
    later.start()
    result = fake_session(flows, runner).execute()
    later.join()
    found = steps(result)
    assert found["f/test_ready"] == ("passed", "")
    assert found["f/test_never"][0] == "blocked"
    assert found["f/test_never"][1].startswith(f"blocked: wait_for: file {tmp_path}/never")
    assert runner.commands == [("t.py::test_ready",)]


def test_a_wait_on_a_variable_nobody_sets_blocks_the_step_naming_it(tmp_path):
    runner = FakeRunner({"a": [FakeTest("t.py::test_x")]})
    flow = {
        "steps": [{"app": "a", "test": "t.py::test_x", "wait_for": {"http": "${API_URL}/health"}}]
    }
    result = fake_session(workflow(tmp_path, runner, {"f": flow}), runner).execute()
    outcome, message = steps(result)["f/test_x"]
    assert outcome == "blocked" and "API_URL" in message, message


def test_an_unavailable_application_blocks_its_steps_and_theirs_while_others_go_on(tmp_path):
    runner = FakeRunner(
        {
            "down": [FakeTest("t.py::test_a"), FakeTest("t.py::test_b")],
            "up": [FakeTest("t.py::test_c"), FakeTest("t.py::test_d")],
        }
    )
    flows = {
        "broken": {
            "steps": [
                {"app": "down", "test": "t.py::test_a"},
                {"app": "up", "test": "t.py::test_c"},
                {"app": "down", "test": "t.py::test_b", "depends_on": []},
            ]
        },
        "fine": {"steps": [{"app": "up", "test": "t.py::test_d"}]},
    }
    made = workflow(tmp_path, runner, flows)
    health = conditions_from({"file": str(tmp_path / "up"), "timeout": 0.1, "interval": 0.02}, "h")
    down = evolve(made.applications[0], health=health)
    made = evolve(made, applications=(down, made.applications[1]))
    result = fake_session(made, runner).execute()
    found = steps(result)
    unavailable = f"blocked: application down is unavailable: file {tmp_path}/up"
    assert found["broken/test_a"][0] == "blocked" and found["broken/test_a"][1].startswith(
        unavailable
    )
    assert found["broken/test_b"][1].startswith(unavailable)  # asked once, said for each step
    assert found["broken/test_c"] == ("blocked", "blocked: dependency flow:broken/test_a blocked")
    assert found["fine/test_d"] == ("passed", "")
    assert runner.commands == [("t.py::test_d",)]
