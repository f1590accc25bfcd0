"""Phases and quality gates run by the real run use case on fakes: phases in their order, tests
taken by path, marker and name, gates (pass rate, new failures, critical tests, duration) with
``on_fail: halt`` blocking what did not start and ``continue`` going on, the exit code, matrix
combinations recorded apart, a sequential phase one application after another, tests in no
phase, and the dynamic priority terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_run import fake_session
from test_plan_graph import Heard

from orch.core import TestWorkflow, Workflow, load_workflow
from orch.core.shared.flow_spec import flow_from
from orch.core.workflow.phases import Declared, phase_from, read_phases
from orch.ports import Application, ConfigError, Execution, ExitCode, SelectSettings
from orch.testing.fake_runner import FakeRunner, FakeTest
from orch.testing.fakes import FakeStore

DECLARED = Declared(["users", "pay"], ["checkout"], ["pg14", "pg15"])


def runner(pay_unit: str = "passed", users_e2e: str = "passed") -> FakeRunner:
    return FakeRunner(
        {
            "users": [
                FakeTest("tests/unit/test_user.py::test_name"),
                FakeTest("tests/unit/test_user.py::test_login_rules"),
                FakeTest("tests/e2e/test_signup.py::test_signup", (users_e2e,)),
            ],
            "pay": [
                FakeTest("tests/unit/test_amount.py::test_round", (pay_unit,)),
                FakeTest("tests/integration/test_db.py::test_store"),
            ],
        }
    )


def workflow(tmp_path: Path, fakes: FakeRunner, phases: dict, **execution) -> Workflow:
    apps = tuple(
        Application(name, tmp_path, "fake", select=SelectSettings(critical_markers=("smoke",)))
        for name in fakes.tests
    )
    declared = Declared([app.name for app in apps], [], [])
    specs, problems = read_phases(phases, declared)
    assert not problems, problems
    return Workflow(
        applications=apps,
        execution=Execution(workers=execution.pop("workers", 2), **execution),
        root=tmp_path,
        phases=tuple(specs),
    )


STAGES = {
    "unit": {"select": {"paths": ["tests/unit/*"]}, "gate": {"min_pass_rate": 100}},
    "integration": {"depends_on": ["unit"], "select": {"paths": ["tests/integration/*"]}},
    "e2e": {"depends_on": ["integration"], "select": {"paths": ["tests/e2e/*"]}},
}


def outcomes(result) -> dict[str, tuple[str, str]]:
    return {r.id: (r.outcome.value, r.message) for r in result.results}


def test_phases_run_in_their_order_each_after_the_gate_before_it(tmp_path):
    fakes, heard = runner(), Heard()
    result = fake_session(workflow(tmp_path, fakes, STAGES), fakes, observer=heard).execute()
    assert result.exit_code is ExitCode.OK
    assert {o for o, _ in outcomes(result).values()} == {"passed"}
    order = [event[1] for event in heard.of("node_finish")]
    gates = [order.index(f"gate:{name}") for name in ("unit", "integration", "e2e")]
    assert gates == sorted(gates)
    starts = [event[1] for event in heard.of("node_start")]
    integration = [i for i, node in enumerate(starts) if node.startswith("phase-integration.")]
    unit_gate_ended = [e for e in heard.events if e[:2] == ("node_finish", "gate:unit")]
    assert integration and unit_gate_ended
    assert heard.events.index(unit_gate_ended[0]) < heard.events.index(
        ("node_start", starts[integration[0]])
    )
    unit, integration_record, e2e = result.phases
    assert unit.as_json()["gate"] == "passed" and unit.pass_rate == 100.0
    assert unit.outcomes == {"passed": 3} and e2e.outcomes == {"passed": 1}


def test_a_failing_gate_that_halts_blocks_what_did_not_start_and_exits_6(tmp_path):
    fakes = runner(pay_unit="failed")
    result = fake_session(workflow(tmp_path, fakes, STAGES), fakes).execute()
    assert result.exit_code is ExitCode.GATE_FAILED
    found = outcomes(result)
    reason = "gate 'unit' failed: pass rate 66.7% is below 100% (2 of 3 passed)"
    assert found["pay::tests/integration/test_db.py::test_store"] == (
        "blocked",
        f"blocked: {reason}",
    )
    assert found["users::tests/e2e/test_signup.py::test_signup"] == (
        "blocked",
        f"blocked: {reason}",
    )
    assert f"{reason}; the run halted" in result.problems
    unit, integration, e2e = (record.as_json() for record in result.phases)
    assert unit["gate"] == "failed" and unit["halted"]
    assert unit["reasons"] == [reason.split(": ", 1)[1]]
    assert integration["gate"] == "blocked" and integration["outcomes"] == {"blocked": 1}


def test_a_halt_stops_phases_that_do_not_depend_on_it_too(tmp_path):
    phases = {
        "unit": {"select": {"paths": ["tests/unit/*"]}, "gate": {"min_pass_rate": 100}},
        "later": {"depends_on": ["unit"], "select": {"paths": ["tests/integration/*"]}},
        "apart": {"select": {"paths": ["tests/e2e/*"]}},  # waits for no other phase
    }
    fakes = runner(pay_unit="failed")
    result = fake_session(workflow(tmp_path, fakes, phases, workers=1), fakes).execute()
    found = outcomes(result)
    assert found["users::tests/e2e/test_signup.py::test_signup"][0] == "blocked"
    assert result.exit_code is ExitCode.GATE_FAILED


def test_on_fail_continue_runs_the_rest_and_still_says_the_gate_failed(tmp_path):
    phases = dict(
        STAGES, unit={**STAGES["unit"], "gate": {"min_pass_rate": 100, "on_fail": "continue"}}
    )
    fakes = runner(pay_unit="failed")
    result = fake_session(workflow(tmp_path, fakes, phases), fakes).execute()
    found = outcomes(result)
    assert found["users::tests/e2e/test_signup.py::test_signup"][0] == "passed"
    assert found["pay::tests/integration/test_db.py::test_store"][0] == "passed"
    assert result.exit_code is ExitCode.GATE_FAILED
    assert any(p.startswith("gate 'unit' failed: pass rate") for p in result.problems)
    assert not result.phases[0].verdict.halted


def test_a_critical_test_must_pass_named_or_by_marker(tmp_path):
    phases = {
        "unit": {
            "select": {"paths": ["tests/unit/*"]},
            "gate": {"min_pass_rate": 50, "critical": ["pay::tests/unit/test_amount.py::*"]},
        },
        "rest": {"depends_on": ["unit"], "select": {"paths": ["tests/*"]}},
    }
    fakes = runner(pay_unit="failed")
    result = fake_session(workflow(tmp_path, fakes, phases), fakes).execute()
    (unit, rest) = result.phases
    assert unit.verdict.reasons == (
        "critical test(s) did not pass: pay::tests/unit/test_amount.py::test_round",
    )
    assert rest.outcomes == {"blocked": 2}


def test_no_new_failures_names_only_the_tests_that_passed_last_time(tmp_path):
    phases = {"all": {"select": {"apps": ["pay", "users"]}, "gate": {"no_new_failures": True}}}
    store = FakeStore()
    first = runner(pay_unit="failed")
    fake_session(workflow(tmp_path, first, phases), first, store=store).execute()
    again = runner(pay_unit="failed", users_e2e="failed")
    result = fake_session(workflow(tmp_path, again, phases), again, store=store).execute()
    (phase,) = result.phases
    assert phase.verdict.reasons == (
        "1 new failure(s): users::tests/e2e/test_signup.py::test_signup",
    )


def test_a_phase_that_takes_longer_than_its_max_duration_fails_its_gate(tmp_path):
    phases = {"unit": {"select": {"paths": ["tests/unit/*"]}, "gate": {"max_duration": 1e-9}}}
    fakes = runner()
    result = fake_session(workflow(tmp_path, fakes, phases), fakes).execute()
    (unit,) = result.phases
    assert (
        unit.verdict.reasons[0].startswith("took ")
        and "more than its max_duration" in (unit.verdict.reasons[0])
    )


def test_a_matrix_runs_its_tests_once_per_combination_recorded_apart(tmp_path):
    phases = {
        "db": {
            "select": {"apps": ["pay"], "paths": ["tests/integration/*"]},
            "strategy": "matrix",
            "matrix": {"db": [14, 15]},
        },
        "rest": {"select": {"paths": ["tests/*"]}},
    }
    fakes = runner()
    result = fake_session(workflow(tmp_path, fakes, phases), fakes).execute()
    found = outcomes(result)
    assert found["pay[db=14]::tests/integration/test_db.py::test_store"][0] == "passed"
    assert found["pay[db=15]::tests/integration/test_db.py::test_store"][0] == "passed"
    assert "pay::tests/integration/test_db.py::test_store" not in found
    matrix_envs = [env for env in fakes.envs if "ORCH_MATRIX" in env]
    assert sorted(env["ORCH_MATRIX_DB"] for env in matrix_envs) == ["14", "15"]
    assert result.phases[0].combinations == ("db=14", "db=15")
    assert result.phases[0].outcomes == {"passed": 2}


def test_a_sequential_phase_runs_one_application_after_another(tmp_path):
    phases = {"all": {"select": {"apps": ["users", "pay"]}, "strategy": "sequential"}}
    fakes, heard = runner(), Heard()
    result = fake_session(workflow(tmp_path, fakes, phases, workers=4), fakes, observer=heard)
    result = result.execute()
    assert result.exit_code is ExitCode.OK
    nodes = [e for e in heard.events if e[0] in ("node_start", "node_finish")]
    users = [i for i, e in enumerate(nodes) if e[1] == "phase-all.users-0"]
    pay = [i for i, e in enumerate(nodes) if e[1] == "phase-all.pay-0"]
    assert users[1] < pay[0]  # users ended before pay started
    assert len(fakes.commands) == 2  # one process per application


def test_tests_in_no_phase_do_not_run_and_the_run_says_how_many(tmp_path):
    phases = {"unit": {"select": {"paths": ["tests/unit/*"]}}}
    fakes = runner()
    result = fake_session(workflow(tmp_path, fakes, phases), fakes).execute()
    assert len(result.results) == 3
    assert (
        "phases: 1 test(s) of pay are in no phase and did not run; add a phase that selects "
        "them (select: {apps: [...], paths: [...]})"
    ) in result.problems


def test_markers_and_names_select_too(tmp_path):
    fakes = FakeRunner({"users": [FakeTest("t.py::test_a"), FakeTest("t.py::test_login_b")]})
    phases = {"login": {"select": {"names": ["test_login*"]}}, "rest": {"depends_on": ["login"]}}
    result = fake_session(workflow(tmp_path, fakes, phases), fakes).execute()
    login, rest = result.phases
    assert login.outcomes == {"passed": 1} and rest.outcomes == {"passed": 1}


def test_dynamic_priority_terms_order_the_queue_and_are_reported(tmp_path):
    fakes = runner()
    flows = workflow(tmp_path, fakes, {}, workers=1, priority=("criticality",))
    apps = tuple(
        Application(a.name, a.path, "fake", criticality=100 if a.name == "pay" else 0)
        for a in flows.applications
    )
    flows = Workflow(applications=apps, execution=flows.execution, root=tmp_path)
    result = fake_session(flows, fakes).execute()
    assert fakes.commands[0][0].startswith("tests/unit/test_amount.py")  # pay went first
    terms = {p.app: p.as_json() for p in result.priorities}
    assert terms["pay"] == {
        "node": "pay-0",
        "app": "pay",
        "base": 0,
        "criticality": 100,
        "total": 100,
    }
    assert terms["users"]["criticality"] == 0


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ({"strategy": "matrx"}, "$.p.strategy: unknown strategy 'matrx'; did you mean 'matrix'?"),
        ({"strategy": "matrix"}, "$.p.matrix: strategy matrix needs its parameters"),
        ({"matrix": {"db": [1]}}, "$.p.matrix: only a phase with strategy: matrix takes a matrix"),
        ({"select": {"apps": ["usres"]}}, "$.p.select.apps[0]: unknown application 'usres'; did"),
        ({"select": {"flow": ["x"]}}, "$.p.select.flow: unknown key; did you mean 'flows'?"),
        ({"gate": {"min_pass_rate": 120}}, "$.p.gate.min_pass_rate: must be a percentage, 0-100"),
        ({"gate": {"on_fail": "stop"}}, "$.p.gate.on_fail: unknown on_fail 'stop'"),
        ({"gate": {"max_duration": 0}}, "$.p.gate.max_duration: must be a number of seconds above"),
        ({"criticality": "huge"}, "$.p.criticality: must be one of low, medium, high, critical"),
        (
            {"strategy": "matrix", "matrix": {"environment": ["pg16"]}},
            "$.p.matrix.environment[0]: unknown environment 'pg16'",
        ),
    ],
)
def test_a_wrong_phase_is_one_line_at_its_path(given, line):
    phase, problems = phase_from("p", given, "$.p", DECLARED)
    assert phase is None and len(problems) == 1 and problems[0].startswith(line), problems


def test_phases_waiting_for_each_other_in_a_cycle_are_named():
    phases = {"a": {"depends_on": ["b"]}, "b": {"depends_on": ["a"]}, "c": {"depends_on": ["x"]}}
    _, problems = read_phases(phases, DECLARED)
    assert problems == [("$.phases.c.depends_on", "unknown phase 'x' (available: a, b)")]
    _, problems = read_phases({"a": {"depends_on": ["b"]}, "b": {"depends_on": ["a"]}}, DECLARED)
    assert problems == [
        (
            "$.phases",
            "phases wait for each other in a cycle (a -> b -> a); remove one of these depends_on",
        )
    ]


def test_a_phase_reads_into_its_spec():
    phase, _ = phase_from(
        "it",
        {
            "select": {"apps": ["pay"], "markers": "db"},
            "depends_on": "unit",
            "strategy": "matrix",
            "matrix": {"environment": ["pg14", "pg15"], "tz": ["UTC"]},
            "gate": {"min_pass_rate": 95, "no_new_failures": True, "on_fail": "continue"},
            "criticality": "high",
        },
        "$.it",
        DECLARED,
    )
    assert phase is not None and phase.depends_on == ("unit",)
    assert phase.select.markers == ("db",) and phase.criticality == 50
    assert phase.combinations() == [
        {"environment": "pg14", "tz": "UTC"},
        {"environment": "pg15", "tz": "UTC"},
    ]
    assert phase.gate.min_pass_rate == 95.0 and phase.gate.on_fail == "continue"


def test_resuming_a_halted_run_runs_again_what_did_not_pass_and_judges_anew(tmp_path):
    fakes = runner()
    fakes.tests["pay"]["tests/unit/test_amount.py::test_round"] = FakeTest(
        "tests/unit/test_amount.py::test_round", ("failed", "passed")
    )
    store = FakeStore()
    flows = workflow(tmp_path, fakes, STAGES)
    halted = fake_session(flows, fakes, store=store).execute()
    assert halted.exit_code is ExitCode.GATE_FAILED
    resumed = fake_session(flows, fakes, store=store).execute(resume=halted.run_id)
    assert resumed.exit_code is ExitCode.OK, resumed.problems
    found = {r.id: (r.outcome.value, r.attempt) for r in resumed.results}
    assert found["pay::tests/unit/test_amount.py::test_round"] == ("passed", 2)
    assert found["users::tests/e2e/test_signup.py::test_signup"] == ("passed", 2)
    assert found["users::tests/unit/test_user.py::test_name"] == ("passed", 1)  # it stood
    assert [phase.as_json()["gate"] for phase in resumed.phases] == ["passed"] * 3
    assert {r.id: r.outcome.value for r in store.final_results(halted.run_id)} == {
        key: outcome for key, (outcome, _) in found.items()
    }


def test_a_phase_runs_the_flows_it_selects_after_the_gates_it_waits_for(tmp_path):
    fakes = FakeRunner(
        {
            "users": [
                FakeTest("tests/unit/test_a.py::test_a"),
                FakeTest("tests/e2e.py::test_login"),
            ],
            "pay": [FakeTest("tests/e2e.py::test_pay", ("failed",))],
        }
    )
    flow, problems = flow_from(
        "checkout",
        {
            "steps": [
                {"app": "users", "test": "tests/e2e.py::test_login"},
                {"app": "pay", "test": "tests/e2e.py::test_pay"},
            ]
        },
        "$.cross_app_tests.checkout",
        ["users", "pay"],
    )
    assert flow is not None, problems
    phases, problems = read_phases(
        {
            "unit": {"select": {"paths": ["tests/unit/*"]}},
            "e2e": {"depends_on": ["unit"], "select": {"flows": ["checkout"]}},
        },
        Declared(["users", "pay"], ["checkout"]),
    )
    assert not problems
    apps = tuple(Application(name, tmp_path, "fake") for name in fakes.tests)
    flows = Workflow(applications=apps, root=tmp_path, cross_app_tests=(flow,), phases=phases)
    heard = Heard()
    result = fake_session(flows, fakes, observer=heard).execute()
    finished = [event[1] for event in heard.of("node_finish")]
    assert finished.index("gate:unit") < finished.index("flow:checkout/test_login")
    unit, e2e = result.phases
    assert e2e.outcomes == {"failed": 1, "passed": 1} and e2e.pass_rate == 50.0
    assert result.exit_code is ExitCode.TESTS_FAILED  # no gate asked more of it


README = Path(__file__).resolve().parents[2] / "README.md"
README_APPS = """
applications:
  payment-service: {path: pay, runner: pytest, criticality: critical}
  web-frontend: {path: web, runner: pytest}
environments:
  pg14: {services: {db: {type: postgres, version: "14"}}}
  pg15: {services: {db: {type: postgres, version: "15"}}}
execution: {priority: [failure_rate, change_impact, criticality]}
cross_app_tests:
  end-to-end-payment:
    steps: [{app: payment-service, test: tests/test_pay.py::test_pay}]
"""


def test_the_readme_s_phases_load_as_written(tmp_path, registry):
    section = README.read_text(encoding="utf-8").split("## Phases and quality gates", 1)[1]
    phases = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    for folder in ("pay", "web"):
        (tmp_path / folder).mkdir()
    (tmp_path / "orch.yaml").write_text(README_APPS + phases)
    loaded = load_workflow(tmp_path / "orch.yaml", registry)
    unit, integration, contract, end_to_end = loaded.phases
    assert len(integration.combinations()) == 4 and contract.strategy == "sequential"
    assert end_to_end.gate.on_fail == "continue" and end_to_end.criticality == 50
    assert loaded.execution.priority == ("failure_rate", "change_impact", "criticality")
    assert loaded.app("payment-service").criticality == 100


def test_the_python_api_adds_phases_checked_as_the_file_is(tmp_path):
    apps = [Application("users", tmp_path, "fake"), Application("pay", tmp_path, "fake")]
    built = TestWorkflow(apps, root=tmp_path).add_phase("unit", {"select": {"apps": ["users"]}})
    built.add_phase("rest", {"depends_on": ["unit"], "gate": {"min_pass_rate": 90}})
    assert [phase.name for phase in built.workflow.phases] == ["unit", "rest"]
    with pytest.raises(ConfigError) as raised:
        built.add_phase("late", {"depends_on": ["later"]})
    assert (
        str(raised.value)
        == "phase 'late': depends_on: unknown phase 'later' (available: unit, rest)"
    )
    with pytest.raises(ConfigError) as raised:
        built.add_phase("bad", {"gate": {"on_fail": "explode"}})
    assert str(raised.value).startswith("phase 'bad': gate.on_fail: unknown on_fail 'explode'")
