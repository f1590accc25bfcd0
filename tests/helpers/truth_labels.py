"""The labels of the generated triage ground truth: which failure has which known cause.

The generators (``truth_python.py``, ``truth_node.py``) run real projects' own test suites
with one injected fault per *scenario* (a source mutant, a broken test or fixture, an
environment fault, non-determinism, a crash), keep the framework's own result files under
``tests/data/triage_truth/<project>/<scenario>/`` and write one ``Label`` per failing test to
``tests/data/triage_truth/<project>/labels.jsonl``. ``triage_quality.py`` grades orch on them.

The ground truth is split by project: ``HELD_OUT`` projects are never looked at while triage's
rules are written, so the figures measured on them are figures on unseen failures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "triage_truth"
"""Where the generated result files and each project's ``labels.jsonl`` live."""

CATEGORIES = ("product_bug", "automation_bug", "environment_issue", "flaky", "crash")
"""The kinds of injected fault; a crash's ``defect_type`` says whose it is."""

DEFECT_TYPES = ("product_bug", "automation_bug", "environment_issue", "flaky")

HELD_OUT = frozenset({"sqlite-utils", "pg8000", "fast-json-stringify"})
"""Projects no triage rule is tuned on, each named before any of its failures was looked at:
two of the four Python projects and the JavaScript one, so node's output and the network
faults (pg8000's tests talk to PostgreSQL) are graded unseen; toolz and cachetools are the
tuning part."""


@dataclass(frozen=True)
class Label:
    """One failing test of one scenario and the fault that made it fail.

    ``files`` are the scenario's result files, relative to ``DATA`` (two for a flaky scenario:
    both runs, given to triage together); ``nodeid`` is the test's id as orch's parsers read it
    from those files; ``root_cause`` names the injected fault (``project:scenario``), shared by
    every test it broke; ``how`` says in words what was injected.
    """

    project: str
    framework: str
    scenario: str
    files: tuple[str, ...]
    nodeid: str
    root_cause: str
    category: str
    defect_type: str
    how: str

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.root_cause}: category {self.category!r} not in {CATEGORIES}")
        if self.defect_type not in DEFECT_TYPES:
            raise ValueError(f"{self.root_cause}: defect type {self.defect_type!r} unknown")

    @property
    def split(self) -> str:
        """``held_out`` or ``tuning``."""
        return "held_out" if self.project in HELD_OUT else "tuning"


def write_labels(project: str, labels: Iterable[Label], data: Path = DATA) -> Path:
    """Write ``project``'s labels (replacing what it had), sorted; the file's path."""
    ordered = sorted(labels, key=lambda x: (x.scenario, x.nodeid))
    if any(label.project != project for label in ordered):
        raise ValueError(f"labels of another project than {project!r} given")
    path = data / project / "labels.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(asdict(label), sort_keys=True) + "\n" for label in ordered)
    path.write_text(text, encoding="utf-8")
    return path


def read_labels(data: Path = DATA) -> list[Label]:
    """Every project's labels under ``data``."""
    labels = []
    for path in sorted(data.glob("*/labels.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                fields = json.loads(line)
                fields["files"] = tuple(fields["files"])
                labels.append(Label(**fields))
            except (ValueError, TypeError, KeyError) as problem:
                raise ValueError(f"{path}:{number}: not a label ({problem})") from None
    return labels
