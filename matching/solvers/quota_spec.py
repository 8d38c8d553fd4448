"""What a fairness quota says, independent of how it is solved.

A :class:`Quota` bounds the share of one group (``group == value``, e.g. ``gender = f``) among
the placements in each unit of its scope: the programme, each employer, each opening. Shares
are read as the nearest fraction with denominator <= 10**6 (:func:`as_fraction`: ``0.3`` is
exactly ``3/10``), so quota rows have integer coefficients and are met exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt

from matching.solvers.graph import AssignmentGraph

__all__ = ["GroupColumn", "Quota", "QuotaScope", "as_fraction", "quota_units"]

QuotaScope = Literal["programme", "employer", "opening"]

_MAX_DENOMINATOR = 10**6


@dataclass(frozen=True, slots=True)
class GroupColumn:
    """One candidate attribute as codes: candidate ``c`` has value ``labels[codes[c]]``.

    ``codes`` has one int per candidate; ``-1`` means unknown (in no group).
    """

    codes: npt.NDArray[np.integer]
    labels: tuple[str, ...]

    def members(self, value: str) -> npt.NDArray[np.bool_]:
        """Mask of the candidates whose value is ``value`` (all False for an unseen value)."""
        if value not in self.labels:
            return np.zeros(self.codes.shape[0], dtype=np.bool_)
        out: npt.NDArray[np.bool_] = self.codes == self.labels.index(value)
        return out


@dataclass(frozen=True, slots=True)
class Quota:
    """``min_share`` and/or ``max_share`` of placements for candidates with ``group == value``."""

    group: str
    value: str
    scope: QuotaScope = "programme"
    min_share: float | None = None
    max_share: float | None = None

    def __post_init__(self) -> None:
        if self.min_share is None and self.max_share is None:
            raise ValueError(f"quota {self.group}={self.value}: give min_share or max_share")
        for name in ("min_share", "max_share"):
            share = getattr(self, name)
            if share is not None and not 0.0 <= share <= 1.0:
                raise ValueError(f"quota {self.group}={self.value}: {name} must be in [0, 1]")
        if (
            self.min_share is not None
            and self.max_share is not None
            and self.min_share > self.max_share
        ):
            raise ValueError(f"quota {self.group}={self.value}: min_share > max_share")
        if self.scope not in ("programme", "employer", "opening"):
            raise ValueError(f"quota scope must be programme, employer or opening: {self.scope!r}")

    def __str__(self) -> str:
        bounds = []
        if self.min_share is not None:
            bounds.append(f"at least {self.min_share:.0%}")
        if self.max_share is not None:
            bounds.append(f"at most {self.max_share:.0%}")
        unit = "in the programme" if self.scope == "programme" else f"per {self.scope}"
        return f"{self.group}={self.value}: {' and '.join(bounds)} of placements {unit}"


def as_fraction(share: float) -> Fraction:
    """The share as the nearest fraction with denominator <= 10**6 (0.3 -> 3/10)."""
    return Fraction(share).limit_denominator(_MAX_DENOMINATOR)


def quota_units(
    graph: AssignmentGraph, quota: Quota, *, employer: npt.NDArray[np.integer] | None
) -> npt.NDArray[np.int64]:
    """The scope unit of every edge: 0 (programme), the employer or the opening index."""
    if quota.scope == "programme":
        return np.zeros(graph.n_edges, dtype=np.int64)
    if quota.scope == "opening":
        return graph.opening.astype(np.int64)
    if employer is None or employer.shape != (graph.n_openings,):
        got = None if employer is None else employer.shape
        raise ValueError(
            f"{quota}: employer scope needs employer of shape ({graph.n_openings},), got {got}"
        )
    return employer[graph.opening].astype(np.int64)
