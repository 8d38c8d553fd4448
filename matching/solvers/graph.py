"""The solver boundary: a sparse bipartite graph of candidate and opening *indices*.

Ids become indices only here (STYLE.md rule 3); the caller maps chosen edges back to ids.
Every solver (optimal, stable, quotas) takes an ``AssignmentGraph`` and returns a ``Solution``.

Invariants checked by ``AssignmentGraph.__post_init__``:

* ``cand``, ``opening``, ``score``, ``locked`` have one entry per edge, edges sorted by
  (cand, opening) with no duplicate pair; 0 <= cand < n_candidates, 0 <= opening < n_openings;
* ``score`` is finite (float64); an absent pair is simply not an edge (never a magic 0);
* ``capacity`` has one non-negative integer per opening.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["AssignmentGraph", "Solution"]


@dataclass(frozen=True, slots=True)
class AssignmentGraph:
    n_candidates: int
    capacity: npt.NDArray[np.int64]
    cand: npt.NDArray[np.int32]
    opening: npt.NDArray[np.int32]
    score: npt.NDArray[np.float64]
    locked: npt.NDArray[np.bool_]

    def __post_init__(self) -> None:
        n_edges = self.cand.shape[0]
        for name in ("opening", "score", "locked"):
            got = getattr(self, name).shape
            if got != (n_edges,):
                raise ValueError(f"{name} must have shape ({n_edges},), got {got}")
        if self.capacity.ndim != 1:
            raise ValueError(f"capacity must be 1-D, got shape {self.capacity.shape}")
        if n_edges:
            if self.cand.min() < 0 or self.cand.max() >= self.n_candidates:
                raise ValueError("cand index out of range")
            if self.opening.min() < 0 or self.opening.max() >= self.n_openings:
                raise ValueError("opening index out of range")
            key = self.cand.astype(np.int64) * max(self.n_openings, 1) + self.opening
            if np.any(np.diff(key) <= 0):
                raise ValueError("edges must be sorted by (cand, opening) without duplicates")
            if not np.all(np.isfinite(self.score)):
                raise ValueError("score must be finite")
        if self.capacity.size and self.capacity.min() < 0:
            raise ValueError("capacity must be >= 0")

    @property
    def n_openings(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.cand.shape[0])


@dataclass(frozen=True, slots=True)
class Solution:
    """Chosen edges (indices into the graph's edge arrays, ascending) and their total score."""

    edges: npt.NDArray[np.int64]
    total: float
    solver: str
