"""The ``pattern`` kind on regular expressions it was not written against: every string
literal passed to ``re.compile``/``match``/``fullmatch``/``search`` in the Python standard
library of the interpreter running it (no flags argument). For each: refused (with the reason's
first words) or accepted, and then whether ``--values`` values drawn with seed 1 all match it
(``re.fullmatch``) and how long they took. Exit 1 when an accepted pattern gives a value that
does not match.

    uv run --no-sync python tests/bench/pattern_fidelity.py [--values 50]
"""

from __future__ import annotations

import argparse
import ast
import collections
import random
import re
import sys
import sysconfig
import time
import warnings
from pathlib import Path

from orch.core.data.kinds import built_in_kinds

CALLS = ("compile", "match", "fullmatch", "search")


def stdlib_patterns() -> list[str]:
    found: set[str] = set()
    for path in Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError):
            continue  # the test suite's deliberately broken files
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in CALLS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and len(node.args) == 1
                and not node.keywords
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=50)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the stdlib's own FutureWarnings on nested sets
    kind = built_in_kinds()["pattern"]
    patterns = stdlib_patterns()
    refused: collections.Counter[str] = collections.Counter()
    missed, seconds = [], []
    for pattern in patterns:
        try:
            options = kind.options({"regex": pattern}, "en")
        except ValueError as problem:
            refused[" ".join(str(problem).split(": ", 1)[1].split()[:5])] += 1
            continue
        started = time.perf_counter()
        values = kind.values(random.Random(1), args.values, options, "en")
        seconds.append(time.perf_counter() - started)
        missed += [(pattern, v) for v in values if not re.fullmatch(pattern, v)][:1]
    accepted = len(patterns) - sum(refused.values())
    print(f"{len(patterns)} regular expressions from {sysconfig.get_paths()['stdlib']}")
    print(f"refused {sum(refused.values())}:")
    for reason, count in refused.most_common():
        print(f"  {count:4}  {reason} ...")
    print(f"accepted {accepted}; every value matches for {accepted - len(missed)} of them")
    seconds.sort()
    print(f"{args.values} values: median {1000 * seconds[len(seconds) // 2]:.2f} ms a pattern")
    for pattern, value in missed:
        print(f"MISMATCH {pattern!r} drew {value!r}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
