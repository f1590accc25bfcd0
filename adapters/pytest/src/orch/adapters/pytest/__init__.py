"""orch.adapters.pytest: orch's TestRunner for pytest, with a dependency-free event plugin."""

from orch.adapters.pytest.runner import PytestRunner, PytestSettings

__all__ = ["PytestRunner", "PytestSettings"]
