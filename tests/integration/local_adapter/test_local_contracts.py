"""LocalExecutor, SqliteStore and the fake stores against the contracts of their ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orch.adapters.local import LocalExecutor, SqliteStore
from orch.testing.contracts import (
    CoverageStoreContract,
    ExecutorContract,
    FailureStoreContract,
    HistoryStoreContract,
    RunStoreContract,
    StoreContract,
)
from orch.testing.fakes import FakeCoverageStore, FakeFailureStore, FakeRunStore, FakeStore


class TestLocalExecutorContract(ExecutorContract):
    @pytest.fixture
    def executor(self) -> LocalExecutor:
        return LocalExecutor()


class TestSqliteStoreContract(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SqliteStore]:
        store = SqliteStore(tmp_path / ".orch")
        yield store
        store.close()


class TestFakeStoreContract(StoreContract):
    @pytest.fixture
    def store(self) -> FakeStore:
        return FakeStore()


class TestFakeRunStoreContract(RunStoreContract, HistoryStoreContract):
    @pytest.fixture
    def store(self) -> FakeRunStore:
        return FakeRunStore()


class TestFakeCoverageStoreContract(CoverageStoreContract):
    @pytest.fixture
    def store(self) -> FakeCoverageStore:
        return FakeCoverageStore()


class TestFakeFailureStoreContract(FailureStoreContract):
    @pytest.fixture
    def store(self) -> FakeFailureStore:
        return FakeFailureStore()
