"""The http sink's own promises beyond the contract: an API that is down or refuses, errors
that quote the answer bounded and escaped without the token, deletes without a Location, the
ids the API gave followed by references, and options checked."""

from __future__ import annotations

import uuid

import pytest
from http_test_api import TestApi

from orch.adapters.http.sink import HttpSink
from orch.core import load_registry
from orch.ports.data import SinkTarget
from orch.ports.errors import ConfigError, DataProblem
from orch.testing.data_sink_contracts import sample_data, shared, with_value
from orch.testing.provisioner_contracts import free_port


def _load(options: dict[str, str]) -> None:
    HttpSink().load(sample_data(), SinkTarget("http", options, "edge"))


def test_an_api_that_is_down_is_a_data_problem_naming_the_row_and_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(DataProblem) as error:
        _load({"url": url})
    message = str(error.value)
    assert message.startswith(f"http sink: users row 1: POST {url}/users failed:")
    assert "is the application up" in message


def test_a_refusal_part_way_deletes_what_was_made_and_quotes_the_answer_bounded(
    api: TestApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGE_TOKEN", "s3cret-token")
    api.refuse_after(4 + 6 + 1, 500, '<html>\n"oops" s3cret-token ' + "x" * 500 + "</html>")
    with pytest.raises(DataProblem) as error:
        _load({"url": api.url, "token_env": "EDGE_TOKEN"})
    message = str(error.value)
    assert message.startswith(f"http sink: payments row 2: POST {api.url}/payments answered 500: ")
    assert '"<html>\\n\\"oops\\" *** xxx' in message
    assert "\n" not in message and "s3cret" not in message
    assert len(message) < 400
    assert api.held() == []
    assert {h["Authorization"] for h in api.headers} == {"Bearer s3cret-token"}


def test_without_a_location_what_was_made_is_deleted_at_path_and_id(api: TestApi) -> None:
    api.location = False
    sink = HttpSink()
    loaded = sink.load(sample_data(), SinkTarget("http", {"url": api.url}, "edge"))
    assert len(api.held()) == 15
    sink.remove(loaded)
    assert api.held() == []
    api.refuse_after(5)
    with pytest.raises(DataProblem, match="payment_methods row 2: .* answered 422"):
        _load({"url": api.url})
    assert api.held() == []


def test_references_are_the_ids_the_api_gave_and_keys_are_not_sent(api: TestApi) -> None:
    HttpSink().load(sample_data(), SinkTarget("http", {"url": api.url}, "edge"))
    users = api.records["/users"]
    methods = list(api.records["/payment_methods"].values())
    assert all(isinstance(m["user_id"], int) and m["user_id"] in users for m in methods)
    first = min(users)
    assert [m["user_id"] for m in methods][:2] == [first, first]
    assert all(isinstance(u["id"], int) for u in users.values())


def test_an_answer_without_the_id_field_names_the_option(api: TestApi) -> None:
    with pytest.raises(DataProblem, match="users row 1: .* has no 'uid'; set the option id_field$"):
        _load({"url": api.url, "id_field": "uid"})
    assert api.held() == []
    api.location = False
    with pytest.raises(DataProblem, match="has no 'uid'.*has no URL to delete"):
        _load({"url": api.url, "id_field": "uid"})


@pytest.mark.parametrize(
    "options, says",
    [
        ({"url": "ftp://x"}, "option url 'ftp://x' is not an http"),
        ({"url": "http://x", "paths": "users:/u"}, "option paths: 'users:/u' is not ENTITY=/path"),
        ({"url": "http://x", "timeout": "soon"}, "option timeout 'soon'"),
        (
            {"url": "http://x", "token_env": "NO_SUCH_EDGE_VAR"},
            r"\$NO_SUCH_EDGE_VAR, which is not set",
        ),
    ],
)
def test_bad_options_are_config_errors_naming_them(options: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        _load(options)


def test_a_copy_is_refused_and_reset_loads_again(api: TestApi) -> None:
    sink = HttpSink()
    loaded = sink.load(sample_data(), SinkTarget("http", {"url": api.url}, "edge"))
    with pytest.raises(DataProblem, match="cannot be copied for 'w0'.*copy: run"):
        sink.copy(loaded, "w0")
    before = api.held()
    api.records["/users"].clear()
    sink.reset(shared(loaded))
    after = api.held()
    assert len(after) == 15 and not set(after) & set(before) - {
        p for p in before if "users" not in p
    }
    sink.remove(loaded)
    assert api.held() == []


def test_a_reference_to_a_row_not_created_fails_and_undoes(api: TestApi) -> None:
    data = with_value(sample_data(), "payments", "method_id", 4, str(uuid.UUID(int=7)))
    with pytest.raises(DataProblem, match="payments row 4: method_id refers to payment_methods"):
        HttpSink().load(data, SinkTarget("http", {"url": api.url}, "edge"))
    assert api.held() == []


def test_loading_again_replaces_and_a_shared_copy_is_not_removed_alone(api: TestApi) -> None:
    sink = HttpSink()
    target = SinkTarget("http", {"url": api.url}, "edge")
    first = set(sink.load(sample_data(), target) and api.held())
    loaded = sink.load(sample_data(), target)
    assert len(api.held()) == 15 and first.isdisjoint(api.held())
    sink.remove(shared(loaded))
    assert len(sink.read(loaded)["users"]) == 4
    assert sink.leftovers({"url": api.url}, lambda _owner: False) == []
    sink.remove(loaded)


def test_an_api_gone_after_the_load_is_a_data_problem_for_every_call(api: TestApi) -> None:
    sink = HttpSink()
    loaded = sink.load(sample_data(), SinkTarget("http", {"url": api.url, "timeout": "2"}, "edge"))
    api.shutdown()
    api.server_close()
    with pytest.raises(DataProblem, match="reading users: GET .* failed"):
        sink.read(loaded)
    with pytest.raises(DataProblem, match="cannot reset .*15 created records could not be deleted"):
        sink.reset(shared(loaded))
    with pytest.raises(DataProblem, match="removing .*15 created records could not be deleted"):
        sink.remove(loaded)


def test_the_registry_finds_the_http_sink() -> None:
    assert load_registry().sinks.get("http") is HttpSink
