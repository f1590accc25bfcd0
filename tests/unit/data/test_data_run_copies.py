"""A run's test data: copies handed to shards, reset between them, loaded per environment,
recorded with the run; against the in-memory FakeDataSink (which passes the sinks' contract)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from orch.core.data.copy_pool import CopyPool
from orch.core.data.preparing import Prepared
from orch.core.data.run_data import RunData
from orch.core.data.versions import Versions
from orch.ports import Application, DataProblem
from orch.ports.data import DatasetSpec, DataUse, SinkSpec, SinkTarget
from orch.testing.data_sink_contracts import sample_data
from orch.testing.fake_data_sink import FakeDataSink


def loaded_in(sink: FakeDataSink, owner: str = "run-1"):
    return sink.load(sample_data(), SinkTarget("fake", {"store": "s"}, owner))


def test_each_taker_gets_a_copy_of_its_own_and_gets_it_back_as_loaded() -> None:
    sink = FakeDataSink()
    pool = CopyPool(sink, loaded_in(sink), "app-worker", 2, shared=False)
    first, second = pool.take("shard-0"), pool.take("shard-1")
    assert first.place != second.place
    sink.places[first.place].rows["users"].clear()  # a test deletes every user
    pool.give_back("shard-0")
    again = pool.take("shard-2")  # waits for the reset of the copy given back
    assert again.place == first.place
    assert sink.read(again) == sink.read(second) != {}


def test_a_shared_copy_is_never_reset_and_every_taker_has_it() -> None:
    sink = FakeDataSink()
    pool = CopyPool(sink, loaded_in(sink), "app-run", 4, shared=True)
    assert len(pool.copies) == 1
    assert pool.take("a") == pool.take("b")
    pool.give_back("a")
    pool.remove()
    assert all("app-run" not in place for place in sink.places)


def test_a_failed_reset_is_the_next_takers_error() -> None:
    sink = FakeDataSink()
    pool = CopyPool(sink, loaded_in(sink), "app-worker", 1, shared=False)
    copy = pool.take("shard-0")
    sink.remove(copy)  # the copy vanished under it: its reset fails
    pool.give_back("shard-0")
    with pytest.raises(DataProblem, match="no data at"):
        pool.take("shard-1")


def test_giving_back_twice_or_what_was_never_taken_is_nothing() -> None:
    sink = FakeDataSink()
    pool = CopyPool(sink, loaded_in(sink), "p", 1, shared=False)
    pool.take("x")
    pool.give_back("x")
    pool.give_back("x")
    pool.give_back("never")
    assert pool.take("y").name == "p-0"


def app(name: str, environment: str = "", per: str = "worker") -> Application:
    use = DataUse("shop", per=per, env="DATABASE_URL")
    return Application(name, Path("."), "pytest", environment=environment, test_data=use)


def run_data(tmp_path: Path, sink: FakeDataSink, *apps: Application) -> RunData:
    data = sample_data("v1")
    spec = DatasetSpec("shop", 1, (), sink=SinkSpec("fake", {"store": "{db.url}"}))
    Versions(tmp_path).record(spec, "v1", {"users": 3})
    return RunData(
        list(apps),
        {"shop": Prepared(spec, data)},
        lambda kind: sink,
        "run-7",
        2,
        tmp_path,
        tmp_path,
    )


def test_datasets_load_as_their_environment_comes_up_and_go_with_it(tmp_path: Path) -> None:
    sink = FakeDataSink()
    data = run_data(tmp_path, sink, app("api", "it"), app("web", "", per="run"))
    data.load("", lambda app, options: {"store": "plain"})
    assert [target.options["store"] for target in sink.loads] == ["plain"]
    data.load("it", lambda app, options: {"store": "resolved"})
    assert [t.owner for t in sink.loads] == ["run-7", "run-7"]
    variables = data.take("api", "api-0-a1")
    assert variables == {"DATABASE_URL": "fake://resolved/orch_run-7_contract/api-worker-0"}
    assert data.take("nothing", "x") == {}
    record = json.loads((tmp_path / "runs" / "run-7" / "data.json").read_text())
    assert record["api"] == {"dataset": "shop", "version": "v1", "per": "worker", "sink": "fake"}
    assert [run["run"] for run in Versions(tmp_path).get("v1").runs] == ["run-7", "run-7"]
    data.give_back("api", "api-0-a1")
    data.remove("it")
    assert not [place for place in sink.places if place.startswith("resolved/")]
    data.close()
    assert sink.places == {}


def test_a_load_that_fails_names_its_dataset(tmp_path: Path) -> None:
    sink = FakeDataSink()
    data = run_data(tmp_path, sink, app("api"))
    with pytest.raises(DataProblem, match="test data 'shop': fake sink: users row 2 refused"):
        data.load("", lambda app, options: {"store": "s", "refuse": "users:2"})


def test_shards_take_copies_from_several_threads_without_sharing_one(tmp_path: Path) -> None:
    sink = FakeDataSink()
    data = run_data(tmp_path, sink, app("api"))
    data.load("", lambda app, options: {"store": "s"})
    seen: list[str] = []

    def shard(n: int) -> None:
        address = data.take("api", f"s{n}")["DATABASE_URL"]
        seen.append(address)
        data.give_back("api", f"s{n}")

    threads = [threading.Thread(target=shard, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and set(seen) <= {
        f"fake://s/orch_run-7_contract/api-worker-{n}" for n in (0, 1, 2)
    }
