"""The built-in kinds that draw text of a given shape: ``pattern`` (a regular expression, such
as ``[A-Z]{3}-\\d{4}``) and ``template`` (``ORD-{#####}``, the shorthand for codes).

A pattern is parsed once by the ``re`` module's own parser and turned into a tree of small
drawing functions, so that a column of 100,000 values is a walk of that tree per row, with
runs of one class drawn at once (``rng.choices``). Every value it gives matches the pattern:
each is checked with ``re.fullmatch`` and redrawn from the same stream when it does not (an
anchor or a word boundary in the middle, an atomic group: the tree draws them as nothing); a
pattern whose trial values do not match within ``TRIES`` draws is refused when the options are
read, as are lookarounds and conditional groups. Unbounded
repeats (``*``, ``+``, ``{2,}``) draw at most ``UNBOUNDED`` more than their minimum; negated
classes and ``.`` draw from printable ASCII.
"""

from __future__ import annotations

import random
import re
import re._constants as sre  # the parser's opcodes: stable since Python 3.11
import re._parser as sre_parse
import string
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, ClassVar

from orch.core.data.kind_options import only
from orch.core.shared.documents import describe
from orch.core.shared.patterns import compile_problem
from orch.ports.errors import DataProblem

UNBOUNDED = 8
"""How many more than its minimum an unbounded repeat draws, at most."""

TRIES = 100
"""Draws of one value before a pattern is given up as one its tree cannot satisfy."""

TRIAL = 20
"""Values drawn when the options are read, to refuse such a pattern at its field's path."""

MANY = 10**15
"""More distinct values than any dataset could hold: a capacity above it is ``None``."""

PRINTABLE = "".join(chr(c) for c in range(32, 127))
"""What ``.`` and negated classes draw from."""

_CATEGORIES = {
    sre.CATEGORY_DIGIT: string.digits,
    sre.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre.CATEGORY_SPACE: " ",
}
_NEGATED = {
    sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT,
    sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD,
    sre.CATEGORY_NOT_SPACE: sre.CATEGORY_SPACE,
}
_REFUSED = {
    sre.ASSERT: "lookahead and lookbehind",
    sre.ASSERT_NOT: "negative lookahead and lookbehind",
    sre.GROUPREF_EXISTS: "conditional groups (?(1)...)",
}

Draw = Callable[[random.Random, dict[int, str]], str]
"""Draws one piece of a value; the dict holds what each numbered group drew (for ``\\1``)."""


class PatternKind:
    """Text matching a regular expression: ``pattern:[A-Z]{3}-\\d{4}`` or ``regex: ...``."""

    PLUGIN_NAME: ClassVar[str] = "pattern"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("argument", "regex"), "pattern")
        key = "argument" if "argument" in given else "regex"
        pattern = given.get(key)
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(
                f"{key}: a pattern needs its regular expression: pattern:[A-Z]{{3}}-\\d{{4}} "
                f"or regex: ...; got {describe(pattern)}"
            )
        _checked(pattern, key)
        return {"regex": pattern}

    def column_type(self, options: Mapping[str, Any]) -> str:
        return "text"

    def capacity(self, options: Mapping[str, Any], locale: str) -> int | None:
        count = _count(_parsed(options["regex"]))
        return None if count > MANY else count

    def values(
        self, rng: random.Random, count: int, options: Mapping[str, Any], locale: str
    ) -> Sequence[Any]:
        draw = _sampler(options["regex"])
        return [draw(rng) for _ in range(count)]


class TemplateKind(PatternKind):
    """Codes such as ``ORD-{#####}``: inside braces ``#`` is a digit, ``?`` an upper-case letter,
    ``*`` either; the rest is kept as written (``{{`` and ``}}`` for braces). It is drawn as
    the regular expression it stands for."""

    PLUGIN_NAME: ClassVar[str] = "template"
    VERSION: ClassVar[str] = "1"

    def options(self, given: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
        only(given, ("argument", "template"), "template")
        key = "argument" if "argument" in given else "template"
        template = given.get(key)
        if not isinstance(template, str) or "{" not in template.replace("{{", ""):
            raise ValueError(
                f"{key}: a template needs at least one {{...}} of #, ? or * "
                f"(template:ORD-{{#####}}); got {describe(template)}"
            )
        pattern = _as_regex(template, key)
        _checked(pattern, key)
        return {"template": template, "regex": pattern}


_PLACEHOLDERS = {"#": "[0-9]", "?": "[A-Z]", "*": "[A-Z0-9]"}


def _as_regex(template: str, key: str) -> str:
    """The regular expression a template stands for."""
    pieces, index = [], 0
    while index < len(template):
        pair = template[index : index + 2]
        if pair in ("{{", "}}"):
            pieces.append(re.escape(pair[0]))
            index += 2
        elif template[index] == "{":
            end = template.find("}", index)
            inside = template[index + 1 : end]
            if end < 0 or not inside or set(inside) - set(_PLACEHOLDERS):
                raise ValueError(
                    f"{key}: each {{...}} holds only #, ? and * (write {{{{ and }}}} for "
                    f"braces); got {describe(template)}"
                )
            pieces += [_PLACEHOLDERS[c] for c in inside]
            index = end + 1
        elif template[index] == "}":
            raise ValueError(
                f"{key}: a '}}' without its '{{' (write }}}} for a brace); got {describe(template)}"
            )
        else:
            pieces.append(re.escape(template[index]))
            index += 1
    return "".join(pieces)


def _checked(pattern: str, key: str) -> None:
    """``ValueError`` starting with ``key`` when ``pattern`` cannot be drawn from."""
    try:
        sample, trial = _sampler(pattern), random.Random(0)
        for _ in range(TRIAL):
            sample(trial)
    except ValueError as problem:
        raise ValueError(f"{key}: {problem}") from None
    except DataProblem:
        raise ValueError(
            f"{key}: its anchors, word boundaries or atomic groups leave no value to draw "
            f"({TRIES} tries gave none that matches); write the shape itself"
        ) from None


@lru_cache(maxsize=256)
def _parsed(pattern: str) -> Any:
    """The parsed pattern, or ``ValueError`` naming what in it cannot be drawn."""
    problem = compile_problem(pattern, "regex") or compile_problem(pattern, "re")
    if problem:
        raise ValueError(problem)
    tree = sre_parse.parse(pattern)
    for opcode, argument in _nodes(tree):
        if opcode in _REFUSED:
            raise ValueError(f"{_REFUSED[opcode]} cannot be drawn; write the shape itself")
        if _characters(opcode, argument) == "":
            raise ValueError("a character class that matches nothing printable cannot be drawn")
    return tree


@lru_cache(maxsize=256)
def _sampler(pattern: str) -> Callable[[random.Random], str]:
    """Draws one value that matches ``pattern``, or raises ``DataProblem`` after ``TRIES``."""
    draw, matches = _drawer(_parsed(pattern)), re.compile(pattern).fullmatch

    def sample(rng: random.Random) -> str:
        for _ in range(TRIES):
            value = draw(rng, {})
            if matches(value):
                return value
        raise DataProblem(
            f"pattern {describe(pattern, 80)}: no value drawn in {TRIES} tries matches it"
        )

    return sample


def _nodes(tree: Any) -> Any:
    """Every node of the tree, nested ones too."""
    for opcode, argument in tree:
        yield opcode, argument
        for part in _parts(opcode, argument):
            yield from _nodes(part)


def _parts(opcode: Any, argument: Any) -> list[Any]:
    """The sub-patterns inside one node."""
    if opcode is sre.BRANCH:
        return list(argument[1])
    if opcode is sre.SUBPATTERN:
        return [argument[3]]
    if opcode in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return [argument[2]]
    if opcode is sre.ATOMIC_GROUP:
        return [argument]
    if opcode in (sre.ASSERT, sre.ASSERT_NOT):
        return [argument[1]]
    return []


def _characters(opcode: Any, argument: Any) -> str | None:
    """What one character node may draw (None: not a single-character node)."""
    if opcode is sre.LITERAL:
        return chr(argument)
    if opcode is sre.NOT_LITERAL:
        return PRINTABLE.replace(chr(argument), "")
    if opcode is sre.ANY:
        return PRINTABLE
    if opcode is not sre.IN:
        return None
    chosen: set[str] = set()
    negate = False
    for member, value in argument:
        if member is sre.NEGATE:
            negate = True
        elif member is sre.LITERAL:
            chosen.add(chr(value))
        elif member is sre.RANGE:
            chosen.update(chr(c) for c in range(value[0], value[1] + 1))
        elif value in _NEGATED:
            chosen.update(set(PRINTABLE) - set(_CATEGORIES[_NEGATED[value]]))
        else:
            chosen.update(_CATEGORIES.get(value, ""))
    if negate:
        chosen = set(PRINTABLE) - chosen
    return "".join(sorted(chosen))


def _drawer(tree: Any) -> Draw:
    pieces = [_node(opcode, argument) for opcode, argument in tree]
    if len(pieces) == 1:
        return pieces[0]
    return lambda rng, groups: "".join(piece(rng, groups) for piece in pieces)


def _node(opcode: Any, argument: Any) -> Draw:
    characters = _characters(opcode, argument)
    if characters is not None:
        if len(characters) == 1:
            return lambda rng, groups: characters
        return lambda rng, groups: rng.choice(characters)
    if opcode is sre.BRANCH:
        branches = [_drawer(branch) for branch in argument[1]]
        return lambda rng, groups: rng.choice(branches)(rng, groups)
    if opcode is sre.SUBPATTERN:
        return _group(argument[0], _drawer(argument[3]))
    if opcode is sre.ATOMIC_GROUP:
        return _drawer(argument)
    if opcode in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _repeat(*argument)
    if opcode is sre.GROUPREF:
        return lambda rng, groups: groups.get(argument, "")
    return lambda rng, groups: ""  # anchors and boundaries: nothing to draw


def _group(number: int | None, inner: Draw) -> Draw:
    if number is None:
        return inner

    def draw(rng: random.Random, groups: dict[int, str]) -> str:
        groups[number] = text = inner(rng, groups)
        return text

    return draw


def _repeat(low: int, high: int, tree: Any) -> Draw:
    top = low + UNBOUNDED if high is sre.MAXREPEAT else high
    single = _characters(*tree[0]) if len(tree) == 1 else None
    if single is not None and low == top:
        return lambda rng, groups: "".join(rng.choices(single, k=low))
    if single is not None:
        return lambda rng, groups: "".join(rng.choices(single, k=rng.randint(low, top)))
    inner = _drawer(tree)
    return lambda rng, groups: "".join(inner(rng, groups) for _ in range(rng.randint(low, top)))


def _count(tree: Any) -> int:
    """How many distinct values the pattern may draw, at most (more than ``MANY``: ``MANY + 1``)."""
    total = 1
    for opcode, argument in tree:
        total = min(MANY + 1, total * _count_node(opcode, argument))
    return total


def _count_node(opcode: Any, argument: Any) -> int:
    characters = _characters(opcode, argument)
    if characters is not None:
        return len(characters)
    if opcode is sre.BRANCH:
        return min(MANY + 1, sum(_count(branch) for branch in argument[1]))
    if opcode in (sre.SUBPATTERN, sre.ATOMIC_GROUP):
        return _count(_parts(opcode, argument)[0])
    if opcode in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, inner = argument
        each = _count(inner)
        top = low + UNBOUNDED if high is sre.MAXREPEAT else high
        total = 0
        for times in range(low, top + 1):
            total += each**times if each > 1 else 1
            if total > MANY:
                return MANY + 1
        return total
    return 1
