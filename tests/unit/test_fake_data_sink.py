"""The in-memory FakeDataSink against the DataSink contract, so core's tests that use it hold
for the real sinks too."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import pytest

from orch.ports.data import DataCopy, SinkTarget
from orch.ports.errors import ConfigError
from orch.testing.data_sink_contracts import (
    Broken,
    DataSinkContract,
    Mutate,
    Residue,
    sample_data,
)
from orch.testing.fake_data_sink import FakeDataSink


class TestFakeDataSinkContract(DataSinkContract):
    @pytest.fixture
    def sink(self) -> FakeDataSink:
        return FakeDataSink()

    @pytest.fixture
    def options(self) -> Mapping[str, str]:
        return {"store": "s-" + uuid.uuid4().hex[:8]}

    @pytest.fixture
    def broken(self, options: Mapping[str, str]) -> Broken:
        return Broken(sample_data(), {**options, "refuse": "payment_methods:3"}, "payment_methods")

    @pytest.fixture
    def mutate(self, sink: FakeDataSink) -> Mutate:
        def change(copy: DataCopy) -> None:
            sink.places[copy.place].rows["users"][0]["email"] = "changed@example.com"
            del sink.places[copy.place].rows["payments"][-1]

        return change

    @pytest.fixture
    def residue(self, sink: FakeDataSink) -> Residue:
        def held(options: Mapping[str, str]) -> list[str]:
            return sorted(p for p in sink.places if p.startswith(options["store"] + "/"))

        return held


def test_a_malformed_refuse_option_is_a_config_error_naming_it() -> None:
    sink = FakeDataSink()
    with pytest.raises(ConfigError, match="refuse"):
        sink.load(sample_data(), SinkTarget("fake", {"refuse": "users"}, "o"))
