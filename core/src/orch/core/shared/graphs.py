"""Cycles in a graph of named things that wait for each other: the run's plan nodes, an
environment's services. One depth-first walk, in the order the names were given, so the same
graph always names the same cycle."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def find_cycle(names: Iterable[str], waits_for: Callable[[str], Iterable[str]]) -> list[str]:
    """A cycle as ``[a, b, a]`` (``a`` waits for ``b``, which waits for ``a``), or ``[]``.
    ``waits_for(name)`` gives the names ``name`` waits for, each one of ``names``."""
    done: set[str] = set()
    for start in names:
        if start in done:
            continue
        path = [start]
        on_path = {start}
        stack = [(start, iter(waits_for(start)))]
        while stack:
            name, following = stack[-1]
            after = next(following, None)
            if after is None:
                stack.pop()
                path.pop()
                on_path.discard(name)
                done.add(name)
            elif after in on_path:
                return [*path[path.index(after) :], after]
            elif after not in done:
                stack.append((after, iter(waits_for(after))))
                path.append(after)
                on_path.add(after)
    return []
