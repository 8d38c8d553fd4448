"""Locked pairs (staff decisions) seen from a solver: checked once, then pre-assigned.

A locked edge must be in every solution. Locks are consistent when no candidate has two locked
edges and no opening has more locked edges than places; otherwise no solver can honour them and
:func:`residual_capacity` raises :class:`LockConflictError` (an
:class:`~matching.errors.InfeasibleError`) naming the culprits.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from matching.errors import InfeasibleError
from matching.solvers.graph import AssignmentGraph

__all__ = ["LockConflictError", "residual_capacity"]


class LockConflictError(InfeasibleError):
    """Locked edges that cannot all hold: two on one candidate, or more than a capacity.

    ``side`` and ``index`` name the first offending candidate or opening *index* (the caller
    maps it back to an id); ``problem`` says what is wrong, with every offender's index.
    """

    def __init__(self, *, side: Literal["candidate", "opening"], index: int, problem: str) -> None:
        super().__init__(f"{side} #{index}: {problem}")
        self.side: Literal["candidate", "opening"] = side
        self.index = index
        self.problem = problem


def residual_capacity(graph: AssignmentGraph) -> npt.NDArray[np.int64]:
    """Places left per opening once the locked edges are placed; raise if locks conflict."""
    locked_cand = graph.cand[graph.locked]
    per_cand = np.bincount(locked_cand, minlength=graph.n_candidates)
    twice = np.flatnonzero(per_cand > 1)
    if twice.size:
        raise LockConflictError(
            side="candidate",
            index=int(twice[0]),
            problem=f"{twice.size} candidate(s) locked to more than one opening "
            f"(candidate indices {twice[:10].tolist()})",
        )
    used = np.bincount(graph.opening[graph.locked], minlength=graph.n_openings)
    residual = graph.capacity.astype(np.int64) - used
    over = np.flatnonzero(residual < 0)
    if over.size:
        raise LockConflictError(
            side="opening",
            index=int(over[0]),
            problem=f"{over.size} opening(s) have more locked pairs than places "
            f"(opening indices {over[:10].tolist()})",
        )
    return residual
