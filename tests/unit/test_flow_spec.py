"""Cross-application flows as users write them: the seed's Python call and ``cross_app_tests:``
in orch.yaml read into the same ``FlowSpec``; each mistake one line at its path; a run refuses
flows until it can run them, rather than leaving them out unsaid."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core import Application, TestWorkflow, load_registry, load_workflow
from orch.ports import ConfigError
from orch.ports.conditions import FileCondition, HttpCondition
from orch.ports.flows import Condition, FlowStep, Handoff, ValuePath

APPS = ("user-service", "payment-service", "web-frontend")
SEED = {
    "steps": [
        {"app": "user-service", "test": "tests/api/test_auth.py::test_login"},
        {"app": "payment-service", "test": "tests/api/test_payment.py::test_create_payment"},
        {
            "app": "web-frontend",
            "test": "src/components/payment/__tests__/PaymentConfirmation.test.js",
        },
    ],
    "data_flow": {
        "user_token": {
            "from": "user-service.test_login.return.token",
            "to": "payment-service.test_create_payment.headers.Authorization",
        },
        "payment_id": {
            "from": "payment-service.test_create_payment.return.id",
            "to": "web-frontend.PaymentConfirmation.test.props.paymentId",
        },
    },
}


def builder() -> TestWorkflow:
    first, *rest = (Application(name, Path(name), "pytest") for name in APPS)
    built = TestWorkflow([first])
    for app in rest:
        built.add_application(app)
    return built


def test_the_seed_s_flow_runs_in_the_listed_order_with_its_values_handed_on() -> None:
    flow = builder().add_cross_app_test("end-to-end-payment", SEED).workflow.cross_app_tests[0]
    assert [(s.id, s.app, s.depends_on) for s in flow.steps] == [
        ("test_login", "user-service", ()),
        ("test_create_payment", "payment-service", ("test_login",)),
        ("PaymentConfirmation.test", "web-frontend", ("test_create_payment",)),
    ]
    assert flow.data_flow[1] == Handoff(
        "payment_id",
        ValuePath("payment-service", "test_create_payment", "return", ("id",)),
        ValuePath("web-frontend", "PaymentConfirmation.test", "props", ("paymentId",)),
    )
    assert str(flow.data_flow[0].target) == (
        "payment-service.test_create_payment.headers.Authorization"
    )


def test_a_value_handed_on_makes_its_consumer_wait_for_its_producer() -> None:
    steps = [
        {"app": "user-service", "test": "t.py::test_login", "depends_on": []},
        {"app": "payment-service", "test": "t.py::test_pay", "depends_on": []},
    ]
    handoff = {
        "from": "user-service.test_login.outputs.token",
        "to": "payment-service.test_pay.token",
    }
    flow = (
        builder()
        .add_cross_app_test("f", {"steps": steps, "data_flow": {"token": handoff}})
        .workflow.cross_app_tests[0]
    )
    assert flow.step("test_pay").depends_on == ()
    assert flow.waits_for("test_pay") == ("test_login",) and flow.waits_for("test_login") == ()


WORKFLOW = """
applications:
  users: {path: users, runner: pytest}
  shop: {path: shop, runner: pytest}
cross_app_tests:
  checkout:
    steps:
      - {app: users, test: tests/test_auth.py::test_login, timeout: 30, retries: 2}
      - {app: users, test: tests/test_auth.py::test_profile, depends_on: []}
      - id: pay
        app: shop
        test: tests/test_pay.py::test_pay[card]
        depends_on: [test_login, test_profile]
        when: [{step: test_profile, outcome: [passed, flaky]}, {value: plan, in: [gold, silver]}]
    data_flow:
      plan: {from: users.test_profile.return.plan, to: shop.pay.plan}
"""


def load(tmp_path: Path, text: str):
    for name in ("users", "shop"):
        (tmp_path / name).mkdir(exist_ok=True)
    (tmp_path / "orch.yaml").write_text(text)
    return load_workflow(tmp_path / "orch.yaml", load_registry())


def test_a_flow_in_orch_yaml_is_a_graph_with_conditions(tmp_path: Path) -> None:
    flow = load(tmp_path, WORKFLOW).cross_app_tests[0]
    assert flow.name == "checkout"
    assert flow.steps[0] == FlowStep(
        "test_login", "users", "tests/test_auth.py::test_login", timeout=30.0, retries=2
    )
    assert flow.steps[1].depends_on == ()
    assert flow.step("pay").when == (
        Condition("outcome", "test_profile", ("passed", "flaky")),
        Condition("value", "plan", ("gold", "silver")),
    )


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "app: shop\n",
            "app: shpo\n",
            "$.cross_app_tests.checkout.steps[2].app: unknown application 'shpo'; "
            "did you mean 'shop'?",
        ),
        (
            "depends_on: []",
            "depends_on: [pay]",
            "$.cross_app_tests.checkout.steps: steps wait for each other in a cycle "
            "(test_profile -> pay -> test_profile, by depends_on, data_flow and when); break it",
        ),
        (
            "return.plan",
            "result.plan",
            "$.cross_app_tests.checkout.data_flow.plan.from: a step's values are its return "
            "or outputs (users.test_profile.return.KEY); got 'result'",
        ),
        (
            "to: shop.pay.plan",
            "to: shop.pya.plan",
            "$.cross_app_tests.checkout.data_flow.plan.to: unknown step of shop 'pya'; "
            "did you mean 'pay'?",
        ),
        (
            "to: shop.pay.plan",
            "to: shop.pay",
            "$.cross_app_tests.checkout.data_flow.plan.to: unknown step of shop 'pay'",
        ),
        (
            "id: pay",
            "id: test_login",
            "$.cross_app_tests.checkout.steps[2].id: another step is 'test_login'; "
            "give one of them an id",
        ),
        (
            "outcome: [passed, flaky]",
            "outcome: pased",
            "$.cross_app_tests.checkout.steps[2].when[0].outcome: unknown outcome 'pased'; "
            "did you mean 'passed'?",
        ),
        (
            "{step: test_profile,",
            "{step: test_profle,",
            "$.cross_app_tests.checkout.steps[2].when: unknown step 'test_profle'",
        ),
        (
            "in: [gold, silver]",
            "equals: gold, in: [silver]",
            "$.cross_app_tests.checkout.steps[2].when[1]: a value condition takes equals",
        ),
        (
            "timeout: 30",
            "timeout: 0",
            "$.cross_app_tests.checkout.steps[0].timeout: must be a number of seconds "
            "above 0; got 0",
        ),
        (
            "    data_flow:",
            "    dataflow:",
            "$.cross_app_tests.checkout.dataflow: unknown key; did you mean 'data_flow'?",
        ),
        (
            "  checkout:\n",
            "  checkout: 3\n  other:\n",
            "$.cross_app_tests.checkout: must be a mapping with steps and data_flow; got 3",
        ),
    ],
)
def test_each_mistake_is_one_line_at_its_path(
    tmp_path: Path, old: str, new: str, line: str
) -> None:
    assert old in WORKFLOW
    with pytest.raises(ConfigError) as error:
        load(tmp_path, WORKFLOW.replace(old, new, 1))
    assert f"orch.yaml: {line}" in str(error.value), str(error.value)


def test_the_python_api_gives_the_same_lines_without_the_file_s_path() -> None:
    with pytest.raises(ConfigError, match=r"^cross-app test 'f': dataflow: unknown key"):
        builder().add_cross_app_test("f", {"steps": SEED["steps"], "dataflow": {}})
    with pytest.raises(ConfigError, match=r"^cross-app test 'f': steps: must be a list of"):
        builder().add_cross_app_test("f", {"steps": []})


def test_narrowing_to_some_applications_keeps_only_the_flows_wholly_theirs(
    tmp_path: Path,
) -> None:
    workflow = load(tmp_path, WORKFLOW)
    assert workflow.only(["users", "shop"]).cross_app_tests == workflow.cross_app_tests
    assert workflow.only(["users"]).cross_app_tests == ()


def test_health_and_wait_for_are_read_and_each_mistake_is_one_line(tmp_path: Path) -> None:
    text = WORKFLOW.replace(
        "users: {path: users, runner: pytest}",
        "users: {path: users, runner: pytest, health: {http: 'http://127.0.0.1:9/up'}}",
    ).replace(
        "test: tests/test_auth.py::test_profile, depends_on: []",
        "test: tests/test_auth.py::test_profile, depends_on: [], wait_for: {file: /tmp/x}",
    )
    workflow = load(tmp_path, text)
    assert workflow.app("users").health == (HttpCondition("http://127.0.0.1:9/up"),)
    assert workflow.cross_app_tests[0].steps[1].wait_for == (FileCondition("/tmp/x"),)
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text.replace("health: {http:", "health: {htp:"))
    assert str(error.value) == (
        "orch.yaml: $.applications.users.health.htp: unknown key; did you mean 'http'? (valid: "
        "http, method, status, json, timeout, interval, sql, dsn, dsn_env, equals, file, "
        "contains, log, line)"
    )
    with pytest.raises(ConfigError) as error:
        load(
            tmp_path,
            text.replace("wait_for: {file: /tmp/x}", "wait_for: {file: /tmp/x, timeout: -1}"),
        )
    assert "$.cross_app_tests.checkout.steps[1].wait_for.timeout: " in str(error.value)
