"""The module specifiers a JavaScript file names, read by a small lexer, never by running it.

Comments, strings, template literals (with their ``${...}`` expressions read as code) and regex
literals are told apart, so text that only looks like an import is not one. Found: ``import ...
from "m"``, ``import "m"``, ``export ... from "m"``, ``require("m")`` and ``import("m")`` with a
literal; a specifier computed at run time is not seen.
"""

from __future__ import annotations

import re

from attrs import frozen

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>//[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/|$))
    |(?P<string>'(?:[^'\\\n]|\\.)*(?:'|$)|"(?:[^"\\\n]|\\.)*(?:"|$))
    |(?P<name>[A-Za-z_$][\w$]*)
    |(?P<number>\.?\d[\w.]*)
    |(?P<other>.)""",
    re.X | re.S,
)
_TEMPLATE_TEXT = re.compile(r"(?:[^`\\$]|\\.|\$(?!\{))*", re.S)
_REGEX = re.compile(r"(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*")
_ENDS_VALUE = frozenset({")", "]", "}", "string", "template", "template-end", "number", "regex"})
_KEYWORDS_BEFORE_VALUE = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case"}
    | {"do", "else", "yield", "await"}
)
_DECLARATIONS = frozenset({"function", "class", "const", "let", "var", "default", "async"})


@frozen
class Scan:
    """The specifiers of one file, in order, and why they may be incomplete (None if not)."""

    specifiers: tuple[str, ...]
    problem: str | None = None


@frozen
class _Token:
    kind: str  # name, string, template (without substitutions), or the punctuation itself
    value: str


def tokens(text: str) -> tuple[list[_Token], str | None]:
    """The significant tokens of ``text`` (no comments or spaces) and the first problem met."""
    found: list[_Token] = []
    braces: list[int] = []  # per open template expression: the depth of ``{`` inside it
    problem = None
    at = 0
    while at < len(text):
        if text[at] == "`" or (braces and braces[-1] == 0 and text[at] == "}"):
            if text[at] == "}":
                braces.pop()
            body = _TEMPLATE_TEXT.match(text, at + 1)
            assert body is not None  # the pattern matches the empty string
            end = body.end()
            if text.startswith("${", end):
                braces.append(0)
                found.append(_Token("template-start", ""))
                at = end + 2
            elif end < len(text):
                plain = text[at] == "`"
                found.append(_Token("template" if plain else "template-end", body.group()))
                at = end + 1
            else:
                problem = problem or f"a template literal is not closed (offset {at})"
                at = end
            continue
        if text[at] == "/" and not text.startswith(("//", "/*"), at) and _regex_here(found):
            literal = _REGEX.match(text, at + 1)
            if literal is not None:
                found.append(_Token("regex", ""))
                at = literal.end()
                continue
        match = _TOKEN.match(text, at)
        assert match is not None  # ``other`` matches any character
        kind = match.lastgroup or "other"
        value = match.group()
        at = match.end()
        if kind == "comment" and value.startswith("/*") and not value.endswith("*/"):
            problem = problem or "a block comment is not closed"
        if kind == "string" and (len(value) < 2 or value[-1] != value[0]):
            problem = problem or f"a string is not closed: {value[:40]}"
        if kind in ("space", "comment"):
            continue
        if kind == "other" and braces:
            braces[-1] += {"{": 1, "}": -1}.get(value, 0)
        found.append(_Token(kind if kind in ("name", "string", "number") else value, value))
    return found, problem


def _regex_here(found: list[_Token]) -> bool:
    """Whether a ``/`` after ``found`` starts a regex literal (not a division)."""
    if not found:
        return True
    last = found[-1]
    if last.kind == "name":
        return last.value in _KEYWORDS_BEFORE_VALUE
    return last.kind not in _ENDS_VALUE


def specifiers(text: str) -> Scan:
    """Every module specifier ``text`` imports, re-exports or requires with a literal."""
    found, problem = tokens(text)
    named: list[str] = []
    for index, token in enumerate(found):
        if token.kind != "name" or (index and found[index - 1].kind == "."):
            continue
        if token.value == "require" or token.value == "import":
            named += _called(found, index)
        if token.value == "import" and index + 1 < len(found):
            following = found[index + 1]
            if following.kind == "string":
                named.append(following.value[1:-1])
            elif following.kind not in ("(", "."):
                named += _from_clause(found, index + 1, stop_at_declaration=False)
        elif token.value == "export":
            named += _from_clause(found, index + 1, stop_at_declaration=True)
    return Scan(tuple(dict.fromkeys(named)), problem)


def _called(found: list[_Token], index: int) -> list[str]:
    """``name("literal")``: the literal, when the call has exactly that one argument."""
    window = found[index + 1 : index + 4]
    if len(window) == 3 and window[0].kind == "(" and window[2].kind == ")":
        argument = window[1]
        if argument.kind == "string":
            return [argument.value[1:-1]]
        if argument.kind == "template":
            return [argument.value]
    return []


def _from_clause(found: list[_Token], start: int, stop_at_declaration: bool) -> list[str]:
    """The ``from "m"`` ending an import or export clause that begins at ``start``."""
    for at in range(start, len(found) - 1):
        token = found[at]
        if token.kind == "name" and token.value == "from" and found[at + 1].kind == "string":
            return [found[at + 1].value[1:-1]]
        if token.kind in (";", "string", "(", "=") or (
            stop_at_declaration and token.kind == "name" and token.value in _DECLARATIONS
        ):
            return []
    return []
