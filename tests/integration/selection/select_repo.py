"""A real git repository holding a small Python application, for selection tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from git_repo import GitRepo

ORCH = str(Path(sys.executable).parent / "orch")

APP = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["src"]
    """,
    "src/payment/__init__.py": "",
    "src/payment/currency.py": """
        MINOR_UNITS = {"EUR": 2, "JPY": 0}


        def minor_units(code):
            return MINOR_UNITS[code]


        def rounded(amount, code):
            digits = minor_units(code)
            return round(amount, digits)
    """,
    "src/payment/processor.py": """
        from payment.currency import rounded


        def charge(amount, code):
            if amount <= 0:
                raise ValueError("amount must be positive")
            return rounded(amount, code)


        def refund(amount, code):
            return -rounded(amount, code)
    """,
    "src/payment/audit.py": """
        def log(event):
            return f"audit: {event}"
    """,
    "tests/conftest.py": """
        import pytest


        @pytest.fixture
        def eur():
            return "EUR"
    """,
    "tests/helpers.py": """
        from payment.processor import refund


        def refund_twice(amount, code):
            return refund(amount, code) * 2
    """,
    "tests/test_currency.py": """
        from payment.currency import minor_units, rounded


        def test_minor_units():
            assert minor_units("JPY") == 0


        def test_rounded(eur):
            assert rounded(1.234, eur) == 1.23
    """,
    "tests/test_processor.py": """
        import pytest

        from payment.processor import charge, refund


        def test_charge(eur):
            assert charge(10, eur) == 10


        def test_charge_rejects_zero(eur):
            with pytest.raises(ValueError):
                charge(0, eur)


        @pytest.mark.parametrize("amount", [1, 2])
        def test_refund(amount, eur):
            assert refund(amount, eur) == -amount
    """,
    "tests/test_helpers.py": """
        from tests.helpers import refund_twice


        def test_refund_twice():
            assert refund_twice(1, "EUR") == -2
    """,
    "tests/__init__.py": "",
    "tests/test_audit.py": """
        import pytest

        from payment.audit import log


        @pytest.mark.smoke
        def test_log():
            assert log("x") == "audit: x"
    """,
}


class Repo(GitRepo):
    """A git repository with the demo-like application at its top, and ``orch`` run in it."""

    def orch(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "ORCH_HOME"}
        return subprocess.run([ORCH, *args], cwd=self.root, capture_output=True, text=True, env=env)

    def select(self, *args: str) -> dict:
        done = self.orch("select", ".", "--format", "json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def ids(selection: dict) -> set[str]:
    return {test["id"] for test in selection["selected"]}


def reasons(selection: dict) -> dict[str, list[str]]:
    return {test["id"]: test["reasons"] for test in selection["selected"]}
