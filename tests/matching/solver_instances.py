"""Tiny solver-boundary instances for the solver tests: a graph builder and brute force."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matching.solvers.graph import AssignmentGraph


def make_graph(
    n_candidates: int,
    capacity: Sequence[int],
    pairs: Sequence[tuple[int, int]],
    *,
    score: Sequence[float] | None = None,
    locked: Sequence[tuple[int, int]] = (),
) -> AssignmentGraph:
    """A graph from (candidate, opening) pairs; ``score`` follows the pairs' sorted order."""
    pairs = sorted(pairs)
    n = len(pairs)
    lock_set = set(locked)
    return AssignmentGraph(
        n_candidates=n_candidates,
        capacity=np.array(capacity, dtype=np.int64),
        cand=np.array([c for c, _ in pairs], dtype=np.int32).reshape(n),
        opening=np.array([o for _, o in pairs], dtype=np.int32).reshape(n),
        score=np.array(score if score is not None else [1.0] * n, dtype=np.float64).reshape(n),
        locked=np.array([p in lock_set for p in pairs], dtype=np.bool_).reshape(n),
    )


def all_matchings(graph: AssignmentGraph) -> list[npt.NDArray[np.int64]]:
    """Every feasible solution (capacities, one placement each, locks kept), by enumeration."""
    options = [[None, *np.flatnonzero(graph.cand == c).tolist()] for c in range(graph.n_candidates)]
    locked = set(np.flatnonzero(graph.locked).tolist())
    found = []
    for pick in itertools.product(*options):
        edges = np.array(sorted(e for e in pick if e is not None), dtype=np.int64)
        load = np.bincount(graph.opening[edges], minlength=graph.n_openings)
        if np.all(load <= graph.capacity) and locked <= set(edges.tolist()):
            found.append(edges)
    return found
