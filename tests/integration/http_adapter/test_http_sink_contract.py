"""The http sink against the DataSink contract, on a real API server on 127.0.0.1 that gives
records its own ids: the sink cannot copy, and its references follow the API's ids."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from http_test_api import TestApi

from orch.adapters.http.sink import HttpSink
from orch.ports.data import DataCopy
from orch.testing.data_sink_contracts import Broken, DataSinkContract, Mutate, Residue, sample_data


class TestHttpSinkContract(DataSinkContract):
    COPIES = False
    ASSIGNS_KEYS = True
    FINDS_LEFTOVERS = False

    @pytest.fixture
    def sink(self) -> HttpSink:
        return HttpSink()

    @pytest.fixture
    def options(self, api: TestApi) -> Mapping[str, str]:
        return {"url": api.url, "paths": "payment_methods=/api/payment-methods"}

    @pytest.fixture
    def broken(self, api: TestApi, options: Mapping[str, str]) -> Broken:
        api.refuse_after(4 + 2)
        return Broken(sample_data(), options, "payment_methods row 3")

    @pytest.fixture
    def mutate(self, api: TestApi) -> Mutate:
        def change(copy: DataCopy) -> None:
            with api.lock:
                first = min(api.records["/users"])
                api.records["/users"][first]["email"] = "changed@example.com"
                api.records["/payments"].pop(max(api.records["/payments"]))

        return change

    @pytest.fixture
    def residue(self, api: TestApi) -> Residue:
        return lambda _options: api.held()
