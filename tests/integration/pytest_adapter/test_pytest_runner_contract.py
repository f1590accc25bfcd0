"""PytestRunner against the generic TestRunner contract, on a small real pytest project."""

from __future__ import annotations

import pytest
from pytest_adapter_projects import write_app

from orch.adapters.pytest.runner import PytestRunner
from orch.ports import Application
from orch.testing.contracts import RunnerContract


class TestPytestRunnerContract(RunnerContract):
    @pytest.fixture
    def runner(self) -> PytestRunner:
        return PytestRunner()

    @pytest.fixture
    def app(self, tmp_path) -> Application:
        return write_app(
            tmp_path / "shop",
            {
                "tests/test_cart.py": """
                    import pytest

                    def test_add():
                        assert 1 + 1 == 2

                    def test_broken():
                        assert {"total": 3} == {"total": 4}

                    @pytest.mark.parametrize("qty", [0, 1, 10])
                    def test_quantity(qty):
                        assert qty >= 0
                """
            },
        )
