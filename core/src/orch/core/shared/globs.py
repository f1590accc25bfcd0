"""CODEOWNERS globs matched in linear time, without a backtracking regex engine.

A glob is read into a row of steps (a character, ``?``, ``*`` within a segment, ``**`` across
segments, ``**/`` for any number of directories) and matched by running every step at once:
the steps reached so far are the bits of one integer, advanced a character at a time. A path of
``n`` characters costs ``n`` rounds of a few integer operations whatever the glob, so a line like
``a*a*a*…b`` cannot hang triage on a long path (a regex took minutes to fail on it).
"""

from __future__ import annotations

from attrs import field, frozen

_ENDS = ("file", "directory", "either")
_STARS = ("*", "**", "**/")


def _tokens(body: str) -> list[str]:
    """The glob's steps, read left to right (``**/``, ``**``, ``*``, ``?`` or a character), with
    runs of stars merged into the one they mean (``***`` is ``**``, ``**/**/`` is ``**/``), so
    that no chain of skippable steps is longer than two whatever the line says."""
    tokens: list[str] = []
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            token = "**/"
        elif body.startswith("**", index):
            token = "**"
        else:
            token = body[index]
        index += len(token)
        if tokens and token in _STARS and tokens[-1] in _STARS:
            if "**" in (token, tokens[-1]):
                tokens[-1] = "**"
                continue
            if token == tokens[-1] == "**/":
                continue
        tokens.append(token)
    return tokens


@frozen
class PathGlob:
    """A compiled CODEOWNERS-style glob: ``search(path)`` tells whether it matches ``path``.

    ``anchored`` globs start at the path's start, the others at the start of any segment;
    ``end`` is ``file`` (the path ends there), ``directory`` (a ``/`` follows) or ``either``.
    """

    body: str
    anchored: bool
    end: str
    _literal: dict[str, int] = field(init=False, eq=False, repr=False)
    _any_but_slash: int = field(init=False, eq=False, repr=False)
    _star: int = field(init=False, eq=False, repr=False)
    _anything: int = field(init=False, eq=False, repr=False)
    _entry: int = field(init=False, eq=False, repr=False)
    _skip: int = field(init=False, eq=False, repr=False)
    _final: int = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.end not in _ENDS:
            raise ValueError(f"end must be one of {', '.join(_ENDS)}")
        literal: dict[str, int] = {}
        masks = {"?": 0, "*": 0, "**": 0, "entry": 0}
        step = 0
        for token in _tokens(self.body):
            if token == "**/":
                # two steps: an entry that may skip the directories, then "anything up to a /"
                masks["entry"] |= 1 << step
                masks["**"] |= 1 << (step + 1)
                literal["/"] = literal.get("/", 0) | 1 << (step + 1)
                step += 2
                continue
            if token in masks:
                masks[token] |= 1 << step
            else:
                literal[token] = literal.get(token, 0) | 1 << step
            step += 1
        # a ``**`` step of ``**/`` is left by its "/" only; lone stars may also be skipped
        lone = masks["*"] | (masks["**"] & ~(masks["entry"] << 1))
        object.__setattr__(self, "_literal", literal)
        object.__setattr__(self, "_any_but_slash", masks["?"])
        object.__setattr__(self, "_star", masks["*"])
        object.__setattr__(self, "_anything", masks["**"])
        object.__setattr__(self, "_entry", masks["entry"])
        object.__setattr__(self, "_skip", lone)
        object.__setattr__(self, "_final", 1 << step)

    def _closure(self, states: int) -> int:
        """``states`` plus every step reachable without reading a character."""
        while True:
            grown = states | ((states & self._skip) << 1) | ((states & self._entry) << 2)
            grown |= (states & self._entry) << 1
            if grown == states:
                return states
            states = grown

    def _done(self, states: int, path: str, at: int) -> bool:
        if not states & self._final:
            return False
        if self.end == "file":
            return at == len(path)
        if self.end == "directory":
            return at < len(path) and path[at] == "/"
        return at == len(path) or path[at] == "/"

    def search(self, path: str) -> bool:
        """True when the glob matches ``path`` (repository-relative, ``/``-separated)."""
        start = self._closure(1)
        states = start
        stars = self._star | self._anything
        last_slash = path.rfind("/")
        for at, char in enumerate(path):
            if not self.anchored and (at == 0 or path[at - 1] == "/"):
                states |= start
            if self._done(states, path, at):
                return True
            if not states and (self.anchored or at > last_slash):
                return False  # nothing is under way and nothing can start any more
            if char == "/":
                moved = states & self._literal.get("/", 0)
                stay = states & self._anything
            else:
                moved = states & (self._literal.get(char, 0) | self._any_but_slash)
                stay = states & stars
            states = self._closure((moved << 1) | stay)
        if not self.anchored and path.endswith("/"):
            states |= start
        return self._done(states, path, len(path))
