"""Bad input to selection: clear messages, and when in doubt more is selected, with the reason."""

from __future__ import annotations

import json
import subprocess

from select_repo import ORCH, ids


def test_an_unknown_ref_is_a_usage_error(repo):
    done = repo.orch("select", ".", "--base", "no-such-branch")
    assert done.returncode == 2
    assert "unknown revision 'no-such-branch'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_directory_outside_git_selects_everything_and_says_why(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    done = subprocess.run(
        [ORCH, "select", str(tmp_path), "--format", "json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    selection = json.loads(done.stdout)
    assert ids(selection) == {"tests/test_a.py::test_a"}
    assert "not a git repository" in selection["apps"][tmp_path.name]["reasons"][0]


def test_a_file_that_does_not_parse_still_selects_its_importers(repo):
    repo.edit("src/payment/currency.py", "def minor_units(code):", "def minor_units(code:")
    selection = repo.select("--base", repo.base)
    assert "tests/test_currency.py::test_rounded" in ids(selection)
    problems = selection["apps"]["shop"]["problems"]
    assert any("src/payment/currency.py" in p and "parse" in p for p in problems)


def test_an_import_cycle_terminates(repo):
    repo.write(
        {
            "src/payment/a.py": "from payment import b\n",
            "src/payment/b.py": "from payment import a\n",
            "tests/test_cycle.py": "from payment import a\n\ndef test_cycle():\n    pass\n",
        }
    )
    base = repo.commit("cycle")
    repo.edit("src/payment/b.py", "from payment import a", "from payment import a  # noqa")
    assert ids(repo.select("--base", base)) == {"tests/test_cycle.py::test_cycle"}


def test_a_shallow_clone_without_the_base_selects_everything(repo, tmp_path):
    repo.edit("src/payment/audit.py", "audit:", "AUDIT:")
    repo.commit("second")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True
    )
    done = subprocess.run(
        [ORCH, "select", str(clone), "--base", repo.base, "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    selection = json.loads(done.stdout)
    assert len(ids(selection)) == 7
    assert "shallow" in selection["apps"]["clone"]["reasons"][0]


def test_caches_that_runs_write_are_not_changes(repo):
    """A new user's repository has no .gitignore: after `orch run` (or pytest) it holds untracked
    __pycache__ and .pytest_cache files, which selected the whole application as "non-Python"."""
    repo.write(
        {
            "src/payment/__pycache__/currency.cpython-311.pyc": "bytecode",
            "tests/__pycache__/test_currency.cpython-311-pytest-9.2.0.pyc": "bytecode",
            ".pytest_cache/v/cache/nodeids": "[]",
            "src/payment/stale.pyc": "bytecode",
        }
    )
    selection = repo.select("--base", repo.base, "--strict")
    assert ids(selection) == set()
    assert selection["outside"] == []
    assert selection["apps"]["shop"]["reasons"] == ["no file of this application changed"]
