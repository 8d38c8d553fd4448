"""Locked pairs (staff decisions) seen from a solver: checked once, then pre-assigned.

A locked edge must be in every solution. Locks are consistent when no candidate has two locked
edges and no opening has more locked edges than places; otherwise no solver can honour them and
:func:`residual_capacity` raises :class:`~matching.errors.InfeasibleError` naming the culprits.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from matching.errors import InfeasibleError
from matching.solvers.graph import AssignmentGraph

__all__ = ["residual_capacity"]


def residual_capacity(graph: AssignmentGraph) -> npt.NDArray[np.int64]:
    """Places left per opening once the locked edges are placed; raise if locks conflict."""
    locked_cand = graph.cand[graph.locked]
    per_cand = np.bincount(locked_cand, minlength=graph.n_candidates)
    twice = np.flatnonzero(per_cand > 1)
    if twice.size:
        raise InfeasibleError(
            f"{twice.size} candidate(s) locked to more than one opening "
            f"(candidate indices {twice[:10].tolist()})"
        )
    used = np.bincount(graph.opening[graph.locked], minlength=graph.n_openings)
    residual = graph.capacity.astype(np.int64) - used
    over = np.flatnonzero(residual < 0)
    if over.size:
        raise InfeasibleError(
            f"{over.size} opening(s) have more locked pairs than places "
            f"(opening indices {over[:10].tolist()})"
        )
    return residual
