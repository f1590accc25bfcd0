"""Helpers of the environment tests: a workflow file with an environment, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core import load_workflow
from orch.ports import ConfigError

WORKFLOW = """
applications:
  payment-service:
    path: apps/payment
    runner: pytest
    environment: integration-test
    env: {DATABASE_URL: "{payment-db.url}", API: "http://{payment-service.host}:{payment-service.ports.8080}"}
environments:
  integration-test:
    services:
      payment-db: {type: postgres, version: "15", config: {schemas: [payment_schema.sql]}}
      payment-service:
        type: docker
        build: apps/payment
        ports: {"8080": 0}
        env: {DB_HOST: "{payment-db.host}", DB_PORT: "{payment-db.port}"}
        depends_on: [payment-db]
        wait: {http: /health}
"""
"""DESIGN.md's example, with an application that uses the environment."""


class WorkflowFile:
    """A workflow file in a temporary project with ``apps/payment``."""

    def __init__(self, root: Path, registry) -> None:
        self.root = root
        self.registry = registry
        (root / "apps" / "payment").mkdir(parents=True, exist_ok=True)

    def load(self, text: str = WORKFLOW):
        path = self.root / "orch.yaml"
        path.write_text(text)
        return load_workflow(path, self.registry)

    def errors(self, text: str) -> list[str]:
        with pytest.raises(ConfigError) as caught:
            self.load(text)
        return str(caught.value).splitlines()


@pytest.fixture
def workflow_file(tmp_path: Path, registry) -> WorkflowFile:
    return WorkflowFile(tmp_path, registry)
