"""What orch keeps of a test's output: the head and tail of each text, the cut said in place.

One test printing 100 MiB would otherwise be 100 MiB in the store, in the JSON report, in the
JUnit XML and several times that in the orchestrator. The pytest event plugin already cuts in the
test process (``orch_pytest_events._cut``, which must say the cut the same way); ``keep_output``
cuts again where results enter orch, for every runner and result file, and makes the text valid.
"""

from __future__ import annotations

from orch.core.shared.untrusted_text import valid_text
from orch.ports import OutputLimits, TestResult

MARKER_ROOM = 80
"""Characters over ``head + tail`` a text may have and stay whole: a text cut once (its marker
is shorter) is not cut again, and cutting a few characters would hide more than it saves."""


def cut_marker(count: int) -> str:
    """The line that stands where ``count`` characters were cut out."""
    return f"\n… {count:,} characters cut …\n"


def cut(text: str, limits: OutputLimits) -> str:
    """``text`` itself when it is short enough, else its first ``limits.head`` and last
    ``limits.tail`` characters with the number of characters cut between them."""
    excess = len(text) - limits.head - limits.tail
    if excess <= MARKER_ROOM:
        return text
    tail = text[len(text) - limits.tail :] if limits.tail else ""
    return text[: limits.head] + cut_marker(excess) + tail


def keep_output(result: TestResult, limits: OutputLimits) -> TestResult:
    """``result`` as orch keeps it: its message, trace, stdout and stderr cut to their head and
    tail and with lone surrogates shown as ``\\udcff``, so every writer can encode them."""
    return result.with_texts(lambda text: valid_text(cut(text, limits)))
