"""A flow step's values in real pytest processes: the test's return value captured, its
``orch_outputs`` published, values delivered into its arguments, and none of it without orch's
flow variables."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_adapter_projects import run_shard

from orch.adapters.pytest.interpreter import INJECT_DIR
from orch.adapters.pytest.runner import PytestRunner, PytestSettings
from orch.ports import Application, Outcome, Shard, TestCase, TestResult

FILE = "tests/test_step.py"

STRICT = PytestSettings(args=("-W", "error::pytest.PytestReturnNotNoneWarning"))
"""pytest's warning about a test returning a value made an error: a step that returns passes only
when orch's plugin called the test, not pytest."""

FAILED = "Failed: "
"""How orch reports a test that ``pytest.fail`` stopped: the plugin's one line after this."""

CLIENT = {
    "tests/conftest.py": """
        import pytest

        class Client:
            def __init__(self, headers):
                self.headers = headers

            def sent(self):
                return dict(self.headers)

        @pytest.fixture
        def headers():
            return {"Accept": "json"}

        @pytest.fixture
        def client(headers):
            return Client(headers)
    """,
    FILE: """
        def test_pay(client):
            return client.sent()

        def test_header(headers):
            return headers
    """,
}


def run_step(
    runner: PytestRunner, app: Application, tmp_path: Path, name: str, **variables: Path
) -> tuple[TestResult, Path]:
    """Run one test of ``app`` as orch runs a flow step, with ``variables`` (their files in
    tmp_path); its result and the ORCH_RETURN file."""
    returned = tmp_path / "return.json"
    env = {"ORCH_RETURN": str(returned), **{k: str(v) for k, v in variables.items()}}
    step = Application(app.name, app.path, app.runner, settings=app.settings, env=env)
    nodeid = f"{FILE}::{name}"
    shard = Shard(app.name, (TestCase(app.name, nodeid, FILE),))
    ran = run_shard(runner, step, shard, tmp_path / "scratch")
    return ran.results[nodeid], returned


def arguments(tmp_path: Path, *entries: dict) -> Path:
    path = tmp_path / "arguments.json"
    path.write_text(json.dumps(list(entries)), encoding="utf-8")
    return path


def test_the_return_value_is_written_as_json_and_pytest_does_not_warn(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {FILE: "def test_login():\n    return {'token': 'abc', 'ids': (1, 2), 'none': None}\n"},
        settings=STRICT,
    )
    result, returned = run_step(runner, app, tmp_path, "test_login")
    assert result.outcome is Outcome.PASSED, result.message
    assert json.loads(returned.read_text(encoding="utf-8")) == {
        "token": "abc",
        "ids": [1, 2],
        "none": None,
    }


def test_values_json_has_no_type_for_are_written_as_their_text(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            FILE: """
                import datetime, decimal, uuid

                def test_order():
                    return {
                        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                        "at": datetime.date(2024, 5, 1),
                        "total": decimal.Decimal("9.90"),
                    }
            """
        }
    )
    result, returned = run_step(runner, app, tmp_path, "test_order")
    assert result.outcome is Outcome.PASSED, result.message
    assert json.loads(returned.read_text(encoding="utf-8")) == {
        "id": "12345678-1234-5678-1234-567812345678",
        "at": "2024-05-01",
        "total": "9.90",
    }


def test_a_value_json_cannot_hold_fails_the_test_in_one_line(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app({FILE: "def test_pairs():\n    return {(1, 2): 'pair'}\n"})
    result, returned = run_step(runner, app, tmp_path, "test_pairs")
    assert result.outcome is Outcome.FAILED
    assert result.message == FAILED + (
        "orch: the return value of test_pairs cannot be written as JSON (keys must be str, int, "
        "float, bool or None, not tuple): hand on plain data (dicts, lists, strings, numbers)"
    )
    assert not returned.exists()
    assert list(tmp_path.glob("*.part")) == []


def test_a_test_that_raises_or_is_async_writes_nothing(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            FILE: """
                def test_login():
                    assert 1 == 2, "refused"
                    return {"token": "abc"}

                async def test_later():
                    return 1

                def test_wrapped():
                    return test_later()
            """
        }
    )
    failed, returned = run_step(runner, app, tmp_path, "test_login")
    assert failed.outcome is Outcome.FAILED and "refused" in failed.message
    assert not returned.exists()
    left, returned = run_step(runner, app, tmp_path, "test_later")
    assert "async def functions are not natively supported" in left.message, "pytest's own say"
    assert not returned.exists()
    wrapped, returned = run_step(runner, app, tmp_path, "test_wrapped")
    assert (wrapped.outcome, wrapped.message) == (
        Outcome.FAILED,
        FAILED + "orch: test_wrapped returned an awaitable, which pytest does not run: make it a "
        "plain function, or run it with its async plugin",
    )
    assert not returned.exists()


def test_orch_outputs_are_merged_into_what_the_test_wrote_itself(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            FILE: """
                import json, os

                def test_order(orch_outputs):
                    path = os.environ["ORCH_OUTPUTS"]
                    with open(path, "w") as out:
                        json.dump({"by_hand": 1, "both": "by hand"}, out)
                    orch_outputs["order_id"] = 7
                    orch_outputs["both"] = "fixture"
            """
        }
    )
    outputs = tmp_path / "outputs.json"
    result, _ = run_step(runner, app, tmp_path, "test_order", ORCH_OUTPUTS=outputs)
    assert result.outcome is Outcome.PASSED, result.message
    assert json.loads(outputs.read_text(encoding="utf-8")) == {
        "by_hand": 1,
        "both": "fixture",
        "order_id": 7,
    }


def test_orch_outputs_make_the_file_and_nothing_published_leaves_none(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            FILE: """
                def test_order(orch_outputs):
                    orch_outputs["order"] = {"id": 7, "lines": (1, 2)}

                def test_quiet(orch_outputs):
                    assert orch_outputs == {}
            """
        }
    )
    outputs = tmp_path / "outputs.json"
    quiet, _ = run_step(runner, app, tmp_path, "test_quiet", ORCH_OUTPUTS=outputs)
    assert quiet.outcome is Outcome.PASSED, quiet.message
    assert not outputs.exists()
    result, _ = run_step(runner, app, tmp_path, "test_order", ORCH_OUTPUTS=outputs)
    assert result.outcome is Outcome.PASSED, result.message
    assert json.loads(outputs.read_text(encoding="utf-8")) == {"order": {"id": 7, "lines": [1, 2]}}
    assert outputs.stat().st_mode & 0o077 == 0, "values may be secrets: the step's user's only"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "[1, 2]",
            "the outputs file {path} (ORCH_OUTPUTS) holds a list, not a JSON object: write an "
            "object there, or publish through orch_outputs only",
        ),
        ("{'single': 1}", "cannot read the outputs file {path} (ORCH_OUTPUTS): Expecting "),
    ],
    ids=["a-list", "not-json"],
)
def test_an_outputs_file_that_is_not_an_object_is_an_error_and_kept(
    make_app: Callable[..., Application],
    runner: PytestRunner,
    tmp_path: Path,
    text: str,
    problem: str,
) -> None:
    app = make_app({FILE: "def test_order(orch_outputs):\n    orch_outputs['order_id'] = 7\n"})
    outputs = tmp_path / "outputs.json"
    outputs.write_text(text, encoding="utf-8")
    result, _ = run_step(runner, app, tmp_path, "test_order", ORCH_OUTPUTS=outputs)
    assert result.outcome is Outcome.ERROR, "in the fixture's teardown"
    assert result.message.startswith(FAILED + "orch: " + problem.format(path=outputs))
    assert outputs.read_text(encoding="utf-8") == text


def test_values_reach_a_dict_fixture_in_place_so_a_fixture_using_it_sees_them(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(CLIENT)
    delivered = arguments(
        tmp_path,
        {"argument": "headers", "keys": ["Authorization"], "value": "Bearer t0k"},
        {"argument": "headers", "keys": ["trace", "id"], "value": 5},
    )
    result, returned = run_step(runner, app, tmp_path, "test_pay", ORCH_ARGUMENTS=delivered)
    assert result.outcome is Outcome.PASSED, result.message
    assert json.loads(returned.read_text(encoding="utf-8")) == {
        "Accept": "json",
        "Authorization": "Bearer t0k",
        "trace": {"id": 5},
    }


def test_values_reach_a_parametrize_argument_and_empty_keys_replace_it(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            FILE: """
                import pytest

                @pytest.fixture
                def token():
                    return "placeholder"

                @pytest.mark.parametrize("payment", [{"amount": 5}])
                def test_pay(payment, token):
                    return {"payment": payment, "token": token}
            """
        }
    )
    delivered = arguments(
        tmp_path,
        {"argument": "payment", "keys": ["currency"], "value": "EUR"},
        {"argument": "token", "keys": [], "value": {"jwt": "real"}},
    )
    result, returned = run_step(
        runner, app, tmp_path, "test_pay[payment0]", ORCH_ARGUMENTS=delivered
    )
    assert result.outcome is Outcome.PASSED, result.message
    assert json.loads(returned.read_text(encoding="utf-8")) == {
        "payment": {"amount": 5, "currency": "EUR"},
        "token": {"jwt": "real"},
    }


CANNOT = "orch: cannot deliver 'user_token'"


@pytest.mark.parametrize(
    ("entry", "test", "message"),
    [
        (
            {"argument": "header", "keys": ["Authorization"]},
            "test_pay",
            f"{CANNOT} at Authorization into argument 'header', as test_pay has no argument or "
            "fixture 'header' "
            "(it has client, headers); fix the flow's data_flow target",
        ),
        (
            {"argument": "headers", "keys": ["Authorization", "scheme"]},
            "test_pay",
            f"{CANNOT} at Authorization.scheme into argument 'headers', as its Authorization is "
            "a str, not a dict; make it a dict",
        ),
        (
            {"argument": "headers", "keys": []},
            "test_pay",
            f"{CANNOT} into argument 'headers', as test_pay does not take it itself (only its "
            "fixtures do), so a "
            "whole value would reach nothing; take 'headers' as an argument, or deliver into "
            "keys of it",
        ),
        (
            {"argument": "client", "keys": ["Authorization"]},
            "test_pay",
            f"{CANNOT} at Authorization into argument 'client' (a Client); make it a dict fixture",
        ),
    ],
    ids=["no-such-argument", "not-a-dict-inside", "replacing-a-fixture's-fixture", "not-a-dict"],
)
def test_a_value_that_cannot_be_delivered_fails_the_test_in_one_line(
    make_app: Callable[..., Application],
    runner: PytestRunner,
    tmp_path: Path,
    entry: dict,
    test: str,
    message: str,
) -> None:
    files = dict(CLIENT)
    files["tests/conftest.py"] = CLIENT["tests/conftest.py"].replace(
        '{"Accept": "json"}', '{"Accept": "json", "Authorization": "none"}'
    )
    app = make_app(files)
    delivered = arguments(tmp_path, {**entry, "name": "user_token", "value": "Bearer t0k"})
    result, returned = run_step(runner, app, tmp_path, test, ORCH_ARGUMENTS=delivered)
    assert (result.outcome, result.message) == (Outcome.FAILED, FAILED + message)
    assert not returned.exists(), "the test was not called"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "cannot read the arguments file {path} (ORCH_ARGUMENTS): Expecting "),
        (
            '[{"argument": "headers", "keys": []}]',
            "the arguments file {path} (ORCH_ARGUMENTS) is malformed: entry 1 has no value "
            '(expected a list of {{"argument": ..., "keys": [...], "value": ...}})',
        ),
        (
            '{"argument": "headers"}',
            "the arguments file {path} (ORCH_ARGUMENTS) is malformed: it holds a dict, not a list",
        ),
        ("[1]", "the arguments file {path} (ORCH_ARGUMENTS) is malformed: entry 1 is an int, "),
        (
            '[{"argument": "headers", "keys": [], "value": 1}, {"keys": [], "value": 1}]',
            "the arguments file {path} (ORCH_ARGUMENTS) is malformed: entry 2 names no argument",
        ),
        (
            '[{"argument": "headers", "keys": [0], "value": 1}]',
            "the arguments file {path} (ORCH_ARGUMENTS) is malformed: entry 1's keys are not a "
            "list of strings",
        ),
    ],
    ids=["not-json", "no-value", "not-a-list", "not-an-object", "no-argument", "keys-not-strings"],
)
def test_a_malformed_arguments_file_fails_the_test_naming_the_file(
    make_app: Callable[..., Application],
    runner: PytestRunner,
    tmp_path: Path,
    text: str,
    problem: str,
) -> None:
    app = make_app(CLIENT)
    delivered = tmp_path / "arguments.json"
    delivered.write_text(text, encoding="utf-8")
    result, _ = run_step(runner, app, tmp_path, "test_header", ORCH_ARGUMENTS=delivered)
    assert result.outcome is Outcome.FAILED
    assert result.message.startswith(FAILED + "orch: " + problem.format(path=delivered))
    assert "\n" not in result.message


def test_a_missing_arguments_file_delivers_nothing(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(CLIENT)
    result, returned = run_step(
        runner, app, tmp_path, "test_header", ORCH_ARGUMENTS=tmp_path / "absent.json"
    )
    assert result.outcome is Outcome.PASSED, result.message
    assert json.loads(returned.read_text(encoding="utf-8")) == {"Accept": "json"}


def test_without_the_flow_variables_pytest_calls_the_test_and_orch_outputs_is_a_dict(
    make_app: Callable[..., Application], runner: PytestRunner, tmp_path: Path
) -> None:
    app = make_app(
        {
            FILE: """
                import sys

                def test_returns():
                    return 1

                def test_outputs(orch_outputs):
                    orch_outputs["order_id"] = 7
                    assert orch_outputs == {"order_id": 7}
                    assert "orch_pytest_flow" not in sys.modules
            """
        },
        settings=STRICT,
    )
    shard = Shard(app.name, ())  # the whole app, as a run of its own suite
    ran = run_shard(runner, app, shard, tmp_path / "scratch")
    outcomes = {nodeid.split("::")[1]: r.outcome for nodeid, r in ran.results.items()}
    assert outcomes == {"test_returns": Outcome.FAILED, "test_outputs": Outcome.PASSED}
    assert "PytestReturnNotNoneWarning" in ran.results[f"{FILE}::test_returns"].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "scratch"]


def test_the_flow_plugin_imports_only_the_standard_library_and_pytest() -> None:
    tree = ast.parse((INJECT_DIR / "orch_pytest_flow.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"pytest"}
