"""What a fairness quota says, independent of how it is solved.

A :class:`Quota` (a record of ``matching.records``, re-exported here) bounds the share of one
group (``group == value``, e.g. ``gender = f``) among the placements in each unit of its scope:
the programme, each employer, each opening. :func:`check_quota` validates one (errors name the
field, like every policy field). Shares are read as the nearest fraction with denominator
<= 10**6 (:func:`as_fraction`: ``0.3`` is exactly ``3/10``), so quota rows have integer
coefficients and are met exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import get_args

import numpy as np
import numpy.typing as npt

from matching.errors import InvalidRecordError
from matching.records import Quota, QuotaGroup, QuotaScope
from matching.solvers.graph import AssignmentGraph

__all__ = [
    "GroupColumn",
    "Quota",
    "QuotaGroup",
    "QuotaScope",
    "as_fraction",
    "check_quota",
    "quota_units",
]

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


def check_quota(quota: object, *, record: str = "policy", field: str = "quotas.0") -> None:
    """Raise ``InvalidRecordError(record, "<field>.<name>", ...)`` unless ``quota`` is a valid
    :class:`Quota`: group "gender" or "origin", a non-empty value, a known scope, shares in
    [0, 1] (at least one given) with ``min_share <= max_share``."""
    if not isinstance(quota, Quota):
        raise InvalidRecordError(record, field, f"expected a Quota, got {quota!r:.60}")
    if quota.group not in get_args(QuotaGroup):
        raise InvalidRecordError(
            record, f"{field}.group", f"expected one of {_choices(QuotaGroup)}, got {quota.group!r}"
        )
    if not isinstance(quota.value, str) or not quota.value.strip():
        raise InvalidRecordError(
            record, f"{field}.value", f"expected a non-empty string, got {quota.value!r}"
        )
    if quota.scope not in get_args(QuotaScope):
        raise InvalidRecordError(
            record, f"{field}.scope", f"expected one of {_choices(QuotaScope)}, got {quota.scope!r}"
        )
    for name in ("min_share", "max_share"):
        share = getattr(quota, name)
        if share is None:
            continue
        if (
            isinstance(share, bool)
            or not isinstance(share, int | float)
            or not 0.0 <= share <= 1.0  # NaN fails too
        ):
            raise InvalidRecordError(
                record, f"{field}.{name}", f"expected a number in [0, 1], got {share!r}"
            )
    if quota.min_share is None and quota.max_share is None:
        raise InvalidRecordError(record, field, "give min_share or max_share (or both)")
    if (
        quota.min_share is not None
        and quota.max_share is not None
        and quota.min_share > quota.max_share
    ):
        raise InvalidRecordError(
            record,
            f"{field}.min_share",
            f"min_share {quota.min_share} is above max_share {quota.max_share}",
        )


def _choices(kind: object) -> str:
    return ", ".join(get_args(kind))


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
