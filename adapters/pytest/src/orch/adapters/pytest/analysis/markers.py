"""Which tests of a Python test file carry a pytest marker: ``pytestmark`` of the module, or
``@pytest.mark.<marker>`` on the test or on its class."""

from __future__ import annotations

import re

from orch.adapters.pytest.analysis.pytests import nodeid_path
from orch.adapters.pytest.analysis.spans import spans


def marked(text: str, test_file: str, marker: str, nodeids: list[str]) -> list[str]:
    """Tests of ``test_file`` (source ``text``, tests ``nodeids``) marked ``marker``."""
    if f"mark.{marker}" not in text:
        return []
    if re.search(rf"^pytestmark\s*=.*mark\.{re.escape(marker)}\b", text, re.M):
        return nodeids
    lines = text.splitlines()
    found: list[str] = []
    for span in spans(text) or []:
        head = "\n".join(lines[span.start - 1 : span.start + 10])
        decorators = head.split("def ", 1)[0].split("class ", 1)[0]
        if f"mark.{marker}" in decorators:
            prefix = f"{nodeid_path(test_file)}::{span.qualname}"
            found.extend(n for n in nodeids if n == prefix or n.startswith(prefix + "::"))
    return found
