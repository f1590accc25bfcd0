"""Routing failures to owners: category routing, then CODEOWNERS (GitHub's rules), then fallback."""

from __future__ import annotations

import pytest

from orch.core.routing import Routing, load_codeowners, owners_of, parse_codeowners
from orch.ports import ConfigError, Failure, Outcome, TestResult

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
    assert routing.assign(failure("database_connection")).assigned_to == "database-team"
    by_path = routing.assign(failure("assertion"), ["apps/payment/src/processor.py"])
    assert by_path.assigned_to == "@payments @alice"
    assert (
        Routing({}, (), "qa-lead").assign(failure("assertion"), ["x.py"]).assigned_to == "qa-lead"
    )
