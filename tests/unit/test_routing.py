"""Routing failures to owners: category routing, then CODEOWNERS (GitHub's rules), then fallback."""

from __future__ import annotations

import random
import re
import time

import pytest
from wall_clock import budget

from orch.core.triage.routing import assign, glob_of, owners_of
from orch.core.workflow.codeowners import load_codeowners, parse_codeowners
from orch.ports import ConfigError, Failure, Outcome, Routing, TestResult

CODEOWNERS = """
# default owners
*                       @qa-team
*.js                    @web-team
/docs/                  @docs-team
apps/payment/           @payments @alice   # the payment service
docs/*                  @docs-leads
**/migrations/**        @dba
[Section]
"""


@pytest.fixture
def rules():
    return parse_codeowners(CODEOWNERS)


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ("@qa-team",)),
        ("apps/web/src/cart.js", ("@web-team",)),
        ("apps/payment/src/processor.py", ("@payments", "@alice")),
        ("apps/payment/ui/widget.js", ("@payments", "@alice")),  # the later line wins
        ("docs/guide.md", ("@docs-leads",)),
        ("docs/deep/page.md", ("@docs-team",)),  # docs/* stops at one level
        ("apps/inventory/db/migrations/0001.sql", ("@dba",)),
    ],
)
def test_codeowners_last_match_wins(rules, path, owners):
    assert owners_of(path, rules) == owners


def test_codeowners_is_found_in_the_usual_places(tmp_path):
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("src/ @core\n")
    assert owners_of("src/a.py", load_codeowners(tmp_path)) == ("@core",)
    assert load_codeowners(tmp_path / "src") == []


def test_a_bad_pattern_names_file_and_line():
    with pytest.raises(ConfigError, match=r"^CODEOWNERS:2: pattern '!secret.txt' uses syntax"):
        parse_codeowners("* @all\n!secret.txt @x\n")


def failure(category: str) -> Failure:
    result = TestResult("pay", "tests/test_x.py::test_y", Outcome.FAILED, message="boom")
    return Failure(result, category=category)


def test_category_routing_comes_first_then_codeowners_then_fallback(rules):
    routing = Routing({"database_connection": "database-team"}, tuple(rules), "qa-lead")
    assert assign(routing, failure("database_connection")).assigned_to == "database-team"
    by_path = assign(routing, failure("assertion"), ["apps/payment/src/processor.py"])
    assert by_path.assigned_to == "@payments @alice"
    assert (
        assign(Routing({}, (), "qa-lead"), failure("assertion"), ["x.py"]).assigned_to == "qa-lead"
    )


# --- CODEOWNERS globs are matched in linear time (issue 8) ---------------------------------------


def test_the_issue_line_against_a_long_path_finishes_at_once():
    rules = parse_codeowners("a*" * 40 + "b @slow\n")
    started = time.monotonic()
    assert owners_of("a" * 10_000, rules) == ()
    assert owners_of("/".join(["a" * 300] * 30), rules) == ()
    assert owners_of("a" * 5000 + "b", rules) == ("@slow",)
    assert time.monotonic() - started < budget(0.5)


@pytest.mark.parametrize("line", ["*" * 4000 + "b @x", "**/" * 1300 + "b @x", "*?" * 2000 + " @x"])
def test_runs_of_stars_cost_no_more_than_one_star(line):
    (rule,) = parse_codeowners(line)
    started = time.monotonic()
    glob_of(rule.pattern).search("a/" * 2000 + "c")
    assert time.monotonic() - started < budget(0.5)


def test_an_over_long_pattern_is_one_line():
    with pytest.raises(ConfigError, match=r"^CODEOWNERS:1: a pattern of 5,001 characters; "):
        parse_codeowners("a" * 5000 + "b @x\n")


def _reference(pattern: str) -> re.Pattern[str]:
    """GitHub's rules as a (backtracking) regex: the oracle for short inputs."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    steps = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    tokens = re.findall(r"\*\*/|\*\*|\*|\?|.", body, flags=re.S)
    out = "".join(steps.get(token, re.escape(token)) for token in tokens)
    if pattern.endswith("/"):
        end = "/"
    elif any(c in body.rsplit("/", 1)[-1] for c in "*?"):
        end = "$"
    else:
        end = "(?:$|/)"
    return re.compile(("^" if anchored else "(?:^|/)") + out + end)


def test_globs_agree_with_githubs_rules_on_ten_thousand_seeded_cases():
    generator = random.Random(8)
    atoms = ["a", "b", ".", "/", "*", "**", "?", "**/", "***", "**/**/"]
    for _ in range(10_000):
        pattern = "".join(generator.choice(atoms) for _ in range(generator.randint(1, 7)))
        path = "".join(generator.choice("ab./") for _ in range(generator.randint(0, 9)))
        (rule,) = parse_codeowners(f"{pattern} @o")
        expected = bool(_reference(pattern).search(path))
        assert glob_of(rule.pattern).search(path) == expected, (pattern, path)
