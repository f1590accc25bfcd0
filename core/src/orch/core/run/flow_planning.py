"""The steps of the workflow's cross-application flows as nodes of the run's plan.

Each step is one node (``flow:NAME/STEP``) running one shard: the step's test, in a process
of its own application (with that application's environment, which it waits for like the
application's shards do). It waits for the steps it ``must_pass`` as ``depends_on`` and for
those whose outcome its ``when`` reads as ``after``, so the scheduler blocks what follows a
step that broke and runs in parallel what does not wait. A resumed run plans only the steps
whose result there did not pass, on their next attempt; what waited for those that passed
does not wait again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orch.core.run.plan import Plan, folder_safe
from orch.core.run.results import Results
from orch.core.workflow.model import Workflow
from orch.ports import NodeKind, Outcome, PlanNode, Shard, TestCase, TestResult
from orch.ports.flows import FlowSpec, FlowStep, step_nodeid, step_of

FLOW_PREFIX = "flow:"
PASSING = (Outcome.PASSED, Outcome.FLAKY)


def step_node_id(flow: str, step: str) -> str:
    return f"{FLOW_PREFIX}{flow}/{step}"


def step_key(flow: str, step: str) -> str:
    """The step's shard key, a name for its scratch folder and the store (no slashes)."""
    return f"flow-{folder_safe(f'{flow}.{step}')}"


def step_test(app: str, step: FlowStep) -> TestCase:
    """The test the step's shard runs: its test id, its file the part before ``::``."""
    return TestCase(app, step.test, step.test.split("::", 1)[0])


def add_flows(plan: Plan, workflow: Workflow, results: Results) -> int:
    """Add a node for each step of each flow of ``workflow`` that has no passed result in
    ``results`` (a resumed run's: the others run again on their next attempt, their result
    there kept as an attempt); how many were added."""
    previous = {key: r for key, r in results.finals.items() if step_of(r) is not None}
    for key, result in previous.items():
        if result.outcome not in PASSING:
            results.forget(key)
            results.recorder.attempt(result)
    added = 0
    for flow in workflow.cross_app_tests:

        def before(step_id: str, flow: FlowSpec = flow) -> TestResult | None:
            step = flow.step(step_id)
            return previous.get((step.app, step_nodeid(flow.name, step)))

        def stands(step_id: str) -> bool:
            result = before(step_id)
            return result is not None and result.outcome in PASSING

        for step in flow.steps:
            if not stands(step.id):
                last = before(step.id)
                attempt = 1 if last is None else last.attempt + 1
                plan.add(*_node(plan, workflow, flow, step, stands, attempt))
                added += 1
    return added


def flow_tests(workflow: Workflow) -> dict[str, set[str]]:
    """The tests (and test files) each application's flow steps run."""
    named: dict[str, set[str]] = {}
    for flow in workflow.cross_app_tests:
        for step in flow.steps:
            named.setdefault(step.app, set()).add(step.test)
    return named


def in_a_flow(named: Mapping[str, set[str]], test: TestCase) -> bool:
    """Whether a flow step runs ``test`` (it, or its whole file): it then needs the flow's
    values, and runs only there, not in its application's own run."""
    steps = named.get(test.app, set())
    return test.nodeid in steps or test.nodeid.split("::", 1)[0] in steps


def _node(
    plan: Plan,
    workflow: Workflow,
    flow: FlowSpec,
    step: FlowStep,
    stands: Callable[[str], bool],
    attempt: int,
) -> tuple[PlanNode, Shard]:
    app = workflow.app(step.app)
    pending = [s for s in flow.must_pass(step.id) if not stands(s)]
    depends = [step_node_id(flow.name, s) for s in pending]
    if app.environment:
        depends.insert(0, plan.add_environment(app.environment))
    after = [step_node_id(flow.name, s) for s in flow.must_end(step.id) if not stands(s)]
    node = PlanNode(
        step_node_id(flow.name, step.id),
        NodeKind.STEP,
        app.name,
        f"{flow.name}: {step.id} ({app.name})",
        tuple(depends),
        tuple(after),
    )
    shard = Shard(
        app.name,
        (step_test(app.name, step),),
        step_key(flow.name, step.id),
        attempt,
        priority=app.priority,
        output=workflow.execution.output,
        timeout=step.timeout,
    )
    return node, shard
