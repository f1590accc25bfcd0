"""Failures grouped by root cause: normalised message templates, fingerprints and clusters.

A message is first normalised (numbers, ids, addresses, times, temporary paths become
placeholders), then a Drain-style online miner (a fixed-depth prefix tree keyed by exception type,
token count and first tokens) merges templates that differ in a few tokens into ``<*>``. The
miner's state grows with the number of templates, never with the number of failures.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import attrs
from attrs import define, field

from orch.core.triage.evidence import short_file
from orch.core.triage.places import is_app_frame
from orch.ports import Failure, Frame
from orch.ports.run import Cluster

WILDCARD = "<*>"
"""The token a template holds where the messages it covers differ."""

MAX_MESSAGE_CHARS = 1000
"""Only the start of a message is templated: long assertion diffs would only add noise."""

_PLACEHOLDERS = {
    "path": "<PATH>",
    "uuid": "<UUID>",
    "ts": "<TS>",
    "ip": "<IP>",
    "dur": "<DUR>",
    "num": "<NUM>",
    "quoted": "<STR>",
}

# Every branch starts with a character class or literal, so it fails at once where it cannot
# match; the look-behinds that stop a match inside a word come after that first character.
_PATTERNS = (
    (
        "path",
        r"/(?:private/)?(?:tmp|var/folders|var/tmp)/[^\s'\"]*"
        r"|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\"]*",
    ),
    (
        "uuid",
        r"[0-9a-fA-F](?<![\w-][0-9a-fA-F])[0-9a-fA-F]{7}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b",
    ),
    (
        "ts",
        r"\d(?<!\w\d)\d{3}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
        r"(?:Z|[+-]\d{2}:?\d{2})?)?\b|\d(?<!\w\d)\d?:\d{2}:\d{2}(?:[.,]\d+)?\b"
        r"|\d(?<!\w\d)\d?/\d{1,2}/\d{4}\b",
    ),
    ("ip", r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?::\d{1,5})?\b"),
    (
        "dur",
        r"\d(?<![\w.]\d)\d*(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds?|min|mins|minutes?"
        r"|h|hours?)\b",
    ),
    ("hex", r"0[xX](?<!\w0[xX])[0-9a-fA-F]+\b|@[0-9a-fA-F]{4,}\b"),
    ("hexword", r"[0-9a-fA-F](?<!\w[0-9a-fA-F])[0-9a-fA-F]{6,}\b"),
    ("num", r"\d(?<![A-Za-z_\d]\d)\d*(?:[.,]\d+)*(?:[eE][-+]?\d+)?(?![A-Za-z_\d])"),
    (
        "hostport",
        r"[A-Za-z](?<![\w./\\-][A-Za-z])(?>[\w-]*(?:\.[A-Za-z][\w-]*)*):\d{2,5}\b(?![.:]\d)",
    ),
)
_QUOTED = ("quoted", r"'[^'\n]{0,200}'|\"[^\"\n]{0,200}\"")
_PYTEST_TMP = re.compile(r"[^\s'\"(=]*pytest-of-[^\s'\"]*")
_SOURCE = (".py", ".java", ".js", ".ts", ".cs", ".kt", ".go", ".rb", ".scala")


@functools.cache
def _normaliser(quoted: bool) -> re.Pattern[str]:
    """The placeholders' patterns as one; compiled when a run first has a failure to cluster
    (about 10 ms each, which a run whose tests all pass need not pay)."""
    patterns = ((_QUOTED,) if quoted else ()) + _PATTERNS
    return re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in patterns))


def _placeholder(match: re.Match[str]) -> str:
    kind = match.lastgroup or "num"
    text = match.group()
    if kind == "hex":
        return text[0] + "<HEX>" if text[0] == "@" else "<HEX>"
    if kind == "hexword":  # a git sha or hash: hex digits with both digits and letters
        if text.isdigit():
            return "<NUM>"
        return "<HEX>" if any(c.isdigit() for c in text) else text
    if kind == "hostport":
        host = text.rsplit(":", 1)[0]
        return f"{host}:<NUM>" if host.endswith(_SOURCE) else "<HOST>"
    return _PLACEHOLDERS[kind]


def normalise(message: str, quoted: bool = False) -> str:
    """The message with variable parts as placeholders and whitespace collapsed to single spaces.

    ``quoted=True`` also replaces quoted values (``'abc'``, ``"abc"``) with ``<STR>``.
    """
    text = message[:MAX_MESSAGE_CHARS]
    if "pytest-of-" in text:
        text = _PYTEST_TMP.sub("<PATH>", text)
    return " ".join(_normaliser(quoted).sub(_placeholder, text).split())


@define(eq=False)
class LogCluster:
    """One template the miner holds, with how many messages it has absorbed."""

    exception_type: str
    tokens: list[str]
    size: int = 0

    @property
    def template(self) -> str:
        """The template as text: tokens joined by one space."""
        return " ".join(self.tokens)


@define
class TemplateMiner:
    """A Drain-style online template miner; memory is bounded by ``max_clusters``.

    ``depth`` is Drain's tree depth: with the (type, length) layer and the leaves it routes a
    message by its first ``depth - 2`` tokens (tokens with digits go to ``<*>``);
    ``similarity`` is the share of equal tokens a message needs to join a template; a node with
    ``max_children`` children sends new tokens to its ``<*>`` child. Past ``max_clusters`` the
    least recently matched template is forgotten; a cache of exact normalised messages (at
    most ``4 * max_clusters`` entries) skips the tree for messages seen before.
    """

    depth: int = 4
    similarity: float = 0.5
    max_children: int = 100
    max_clusters: int = 50_000
    _roots: dict[tuple[str, int], dict[str, object]] = field(factory=dict, init=False)
    _recent: OrderedDict[int, tuple[LogCluster, list[LogCluster]]] = field(
        factory=OrderedDict, init=False
    )
    _seen: dict[tuple[str, str], LogCluster] = field(factory=dict, init=False)

    def __len__(self) -> int:
        return len(self._recent)

    def add(self, exception_type: str, template: str) -> LogCluster:
        """The cluster a normalised message joins (created if none is similar enough)."""
        key = (exception_type, template)
        known = self._seen.get(key)
        if known is not None and self._recent.get(id(known), (None,))[0] is known:
            self._recent.move_to_end(id(known))
            known.size += 1
            return known
        if len(self._seen) >= self.max_clusters * 4:
            self._seen.clear()  # a cache of exact templates: bounded, rebuilt as messages come
        tokens = template.split()
        leaf = self._leaf(exception_type, tokens)
        best = self._best(leaf, tokens)
        if best is None:
            best = LogCluster(exception_type, tokens)
            leaf.append(best)
            self._remember(best, leaf)
        else:
            if best.tokens != tokens:
                best.tokens = [
                    old if old == new else WILDCARD
                    for old, new in zip(best.tokens, tokens, strict=True)
                ]
            self._recent.move_to_end(id(best))
        best.size += 1
        self._seen[key] = best
        return best

    def _leaf(self, exception_type: str, tokens: list[str]) -> list[LogCluster]:
        node = self._roots.setdefault((exception_type, len(tokens)), {})
        for token in tokens[: max(self.depth - 2, 0)]:
            key = WILDCARD if _is_variable(token) else token
            child = node.get(key)
            if child is None:
                if len(node) >= self.max_children:
                    key = WILDCARD
                    child = node.get(key)
                if child is None:
                    child = node[key] = {}
            assert isinstance(child, dict)
            node = child
        leaf = node.get("")
        if leaf is None:
            leaf = node[""] = []
        assert isinstance(leaf, list)
        return leaf

    def _best(self, leaf: list[LogCluster], tokens: list[str]) -> LogCluster | None:
        """The most similar template (wildcards count as equal), if similar enough."""
        best: LogCluster | None = None
        best_score = (-1, -1)
        for cluster in leaf:
            same = wildcards = 0
            for old, new in zip(cluster.tokens, tokens, strict=True):
                if old == new:
                    same += 1
                elif old == WILDCARD:
                    wildcards += 1
            score = (same + wildcards, same)
            if score > best_score:
                best, best_score = cluster, score
        if best is None or best_score[0] < self.similarity * len(tokens):
            return None
        return best

    def _remember(self, cluster: LogCluster, leaf: list[LogCluster]) -> None:
        self._recent[id(cluster)] = (cluster, leaf)
        while len(self._recent) > self.max_clusters:
            _, (old, old_leaf) = self._recent.popitem(last=False)
            old_leaf.remove(old)


_DIGIT = re.compile(r"\d")


def _is_variable(token: str) -> bool:
    return token == WILDCARD or _DIGIT.search(token) is not None


def _frame_key(frame: Frame) -> str:
    return f"{short_file(frame.file)}:{frame.function}"


def _digest(exception_type: str, template: str, frames: Iterable[str] = ()) -> str:
    text = "\x1f".join((exception_type, template, *frames))
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()


def message_of(failure: Failure) -> str:
    """The text a failure is templated from: its message, else the first line of its trace."""
    result = failure.result
    if result.message:
        return result.message
    return next((line for line in result.longrepr.splitlines() if line.strip()), "")


def fingerprint(failure: Failure, top: int = 3) -> str:
    """A short stable hash of the exception type, the root cause or template, and the innermost
    app frames.

    Uses the failure's root ``cause`` when it has one, else its ``template`` (or its normalised
    message when there is none), and the ``file:function`` of its ``top`` innermost frames in
    the application's own code.
    """
    what = failure.cause or failure.template or normalise(message_of(failure))
    return _digest(failure.exception_type, what, _own_frames(failure.frames, top))


_FRAME_KEYS: dict[tuple[str, str], str | None] = {}
"""A bounded cache of each (file, function)'s key, ``None`` for frames outside the app."""


def _own_frames(frames: tuple[Frame, ...], top: int) -> list[str]:
    """``file:function`` of the ``top`` innermost app frames, outermost first."""
    own: list[str] = []
    for frame in reversed(frames):
        if len(own) >= top:
            break
        key = _FRAME_KEYS.get((frame.file, frame.function), "-")
        if key == "-":
            if len(_FRAME_KEYS) > 100_000:
                _FRAME_KEYS.clear()
            key = _FRAME_KEYS[frame.file, frame.function] = (
                _frame_key(frame) if is_app_frame(frame) else None
            )
        if key is not None:
            own.append(key)
    own.reverse()
    return own


def cluster_failures(
    failures: Sequence[Failure], miner: TemplateMiner | None = None, top: int = 3
) -> list[Cluster]:
    """The clusters of some failures, largest first; pass a ``miner`` to keep learning across
    calls. Failures with the same root ``cause`` (``causes.root_cause``) are one cluster
    whatever their messages, unless their categories differ (a flaky test is not the hard
    failures' fault, a refused connection and an unresolved name in the same function are two
    faults); their messages are not mined (the cluster's template is its first member's). The
    others are clustered by their message templates. Each cluster's ``failures`` carry their
    template, fingerprint (see ``fingerprint``, ``top`` frames) and cluster id."""
    miner = miner if miner is not None else TemplateMiner()
    members: dict[object, list[int]] = {}
    mined: dict[int, LogCluster] = {}
    for index, failure in enumerate(failures):
        if failure.cause:  # the same place failing for another reason is another fault
            members.setdefault((failure.cause, failure.category), []).append(index)
            continue
        log_cluster = mined[index] = miner.add(
            failure.exception_type, normalise(message_of(failure))
        )
        members.setdefault(id(log_cluster), []).append(index)
    clusters = [_cluster(key, indexes, failures, mined, top) for key, indexes in members.items()]
    clusters.sort(key=lambda cluster: (-cluster.share, cluster.id))
    return clusters


def _cluster(
    key: object,
    indexes: list[int],
    failures: Sequence[Failure],
    mined: dict[int, LogCluster],
    top: int,
) -> Cluster:
    """One cluster: the failures at ``indexes``, keyed by a root cause or a mined template."""
    first = failures[indexes[0]]
    cause, category = key if isinstance(key, tuple) else ("", "")
    if cause:
        template, exception_type = normalise(message_of(first)), first.exception_type
        cluster_id = _digest("cause", cause, (category,))
    else:
        log_cluster = mined[indexes[0]]
        template, exception_type = log_cluster.template, log_cluster.exception_type
        cluster_id = _digest(exception_type, template)
    evolved = []
    for index in indexes:
        member = failures[index]
        own = mined[index].template if index in mined else template
        what = member.cause or own
        print_ = _digest(member.exception_type, what, _own_frames(member.frames, top))
        evolved.append(attrs.evolve(member, template=own, fingerprint=print_, cluster=cluster_id))
    return Cluster(
        id=cluster_id,
        template=template,
        representative=message_of(first) or first.id,
        tests=tuple(sorted({failures[i].result.id for i in indexes})),
        apps=tuple(sorted({failures[i].result.app for i in indexes})),
        share=len(indexes) / len(failures),
        exception_type=exception_type,
        failures=tuple(evolved),
        cause=cause,
    )
