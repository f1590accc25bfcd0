"""An application with no history is split over the workers without a separate discovery: each
process collects it all and runs its share (as pytest-xdist does), and every test runs once."""

from __future__ import annotations

from orch_cli import outcomes, write_files

SHUFFLING_CONFTEST = """
    import os
    import random
    from pathlib import Path

    def pytest_collection_modifyitems(items):
        # as pytest-randomly does: every process orders the tests its own way
        random.Random(os.getpid()).shuffle(items)
        with (Path(__file__).parent / "collections.log").open("a") as log:
            log.write(f"{os.getpid()}\\n")
"""


def logging_tests(count: int) -> str:
    return "from pathlib import Path\n\nLOG = Path(__file__).with_name('ran.log')\n" + "".join(
        f"\ndef test_{k}():\n    with LOG.open('a') as log:\n        log.write('{k}\\n')\n"
        for k in range(count)
    )


def test_a_cold_app_runs_in_disjoint_shares_that_cover_it_whatever_the_order(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "pytest.ini": "[pytest]\n",
            "conftest.py": SHUFFLING_CONFTEST,
            "test_a.py": logging_tests(7),
            "test_b.py": logging_tests(6).replace("ran.log", "ran_b.log"),
        },
    )
    code, report = orch.json(".", "-n", "2")
    assert code == 0, report
    assert report["summary"]["passed"] == 13 and len(report["tests"]) == 13
    assert sorted((tmp_path / "ran.log").read_text().split(), key=int) == [str(k) for k in range(7)]
    assert sorted((tmp_path / "ran_b.log").read_text().split(), key=int) == [
        str(k) for k in range(6)
    ]
    # two processes, each collected once: no discovery of its own
    assert len((tmp_path / "collections.log").read_text().split()) == 2
    run_dir = tmp_path / ".orch/runs" / report["run"]["id"]
    shards = sorted(p.name for p in run_dir.iterdir() if p.is_dir())
    assert shards == [f"{tmp_path.name}-0-a1", f"{tmp_path.name}-1-a1"]


def test_a_share_left_empty_by_a_tiny_app_is_no_failure(tmp_path, orch):
    write_files(tmp_path, {"pytest.ini": "[pytest]\n", "test_one.py": logging_tests(1)})
    code, report = orch.json(".", "-n", "3")
    assert code == 0, report
    assert outcomes(report) == {"test_one.py::test_0": "passed"}
    run_dir = tmp_path / ".orch/runs" / report["run"]["id"]
    assert len([p for p in run_dir.iterdir() if p.is_dir()]) == 3, "three shares, two empty"


def test_a_crash_in_a_share_costs_that_test_only(tmp_path, orch):
    crashing = logging_tests(4) + "\ndef test_crash():\n    import os\n    os.abort()\n"
    write_files(tmp_path, {"pytest.ini": "[pytest]\n", "test_c.py": crashing})
    code, report = orch.json(".", "-n", "2")
    assert code == 1, report
    found = outcomes(report)
    assert found.pop("test_c.py::test_crash") == "error"
    assert found == {f"test_c.py::test_{k}": "passed" for k in range(4)}
