"""A changed fixture selects the tests using it, whatever the coverage map says (issue 7, item 1).

Coverage of a session fixture belongs to whichever test ran it first, so a map recorded before
the change names one test; the others that use the fixture must be selected too.
"""

from __future__ import annotations

import json

from select_repo import Repo, ids, reasons

SESSION_FIXTURE = {
    "tests/conftest.py": """
        import pytest


        @pytest.fixture
        def eur():
            return "EUR"


        @pytest.fixture(scope="session")
        def settings():
            return {"limit": 100}
    """,
    "tests/test_aaa_settings.py": """
        def test_settings_exist(settings):
            assert "limit" in settings
    """,
    "tests/test_limits.py": """
        def test_limit_is_reasonable(settings):
            assert settings["limit"] <= 1000
    """,
}


def recorded_with(repo: Repo, files: dict[str, str], message: str) -> str:
    """Commit ``files`` into the repository and record its coverage map with ``orch run``;
    returns the commit, the base the tests then change the fixtures against."""
    repo.write(files)
    base = repo.commit(message)
    recorded = repo.orch("run", ".", "--record-coverage")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    return base


def test_a_changed_session_fixture_selects_every_test_beneath_its_conftest(repo):
    base = recorded_with(repo, SESSION_FIXTURE, "session fixture")
    repo.edit("tests/conftest.py", '"limit": 100', '"limit": 5000')

    selection = repo.select("--base", base)
    assert ids(selection) == {
        "tests/test_limits.py::test_limit_is_reasonable",
        "tests/test_aaa_settings.py::test_settings_exist",
    }  # the tests whose fixture closure, as pytest collects it, holds `settings`
    assert reasons(selection)["tests/test_limits.py::test_limit_is_reasonable"] == [
        "uses fixture settings of tests/conftest.py, which changed"
    ]

    done = repo.orch("run", ".", "--select", "changed", "--base", base, "--format", "json")
    report = json.loads(done.stdout)
    assert done.returncode == 1
    failed = {t["nodeid"] for t in report["tests"] if t["outcome"] == "failed"}
    assert failed == {"tests/test_limits.py::test_limit_is_reasonable"}


def test_a_change_outside_the_fixtures_of_a_conftest_selects_every_test_beneath_it(repo):
    base = recorded_with(repo, SESSION_FIXTURE, "session fixture")
    repo.edit("tests/conftest.py", "import pytest\n", "import pytest\n\nLIMIT = 5000\n")
    selection = repo.select("--base", base)
    assert selection["total"] == selection["apps"]["shop"]["suite"] == 10
    assert reasons(selection)["tests/test_limits.py::test_limit_is_reasonable"] == [
        "uses tests/conftest.py, which changed"
    ]
    assert not any(r.startswith("covers") for rs in reasons(selection).values() for r in rs)


def test_a_fixture_asked_for_by_name_at_run_time_selects_every_test_beneath(repo):
    repo.write(SESSION_FIXTURE)
    repo.write(
        {
            "tests/test_dynamic.py": """
                def test_dynamic(request):
                    assert request.getfixturevalue("settings")["limit"] <= 1000
            """
        }
    )
    base = repo.commit("a fixture asked for by name")
    repo.edit("tests/conftest.py", '"limit": 100', '"limit": 5000')
    selection = repo.select("--base", base)
    assert "tests/test_dynamic.py::test_dynamic" in ids(selection)
    assert selection["total"] == selection["apps"]["shop"]["suite"]


def test_a_changed_fixture_in_a_helper_module_is_not_answered_by_coverage(repo):
    files = {
        "tests/plugin_settings.py": """
            import pytest


            @pytest.fixture(scope="session")
            def settings():
                return {"limit": 100}
        """,
        "tests/conftest.py": """
            import pytest

            pytest_plugins = ["tests.plugin_settings"]


            @pytest.fixture
            def eur():
                return "EUR"
        """,
        "tests/test_aaa_settings.py": SESSION_FIXTURE["tests/test_aaa_settings.py"],
        "tests/test_limits.py": SESSION_FIXTURE["tests/test_limits.py"],
    }
    base = recorded_with(repo, files, "fixture in a plugin module")
    repo.edit("tests/plugin_settings.py", '"limit": 100', '"limit": 5000')
    selection = repo.select("--base", base)
    assert "tests/test_limits.py::test_limit_is_reasonable" in ids(selection)
    assert any("defines fixtures" in note for note in selection["apps"]["shop"]["problems"])
