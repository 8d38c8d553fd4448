"""Round metrics: placements, places, score summary, essential-skill coverage, group rates.

Per-group placement rates (by gender and by origin) suppress every group of fewer than
``MIN_GROUP`` candidates: it is reported as ``{"suppressed": true}`` with no numbers, so that
small groups cannot be re-identified. A missing gender/origin is the group "unknown".
``essential_coverage``: over all assignments, the share of the openings' essential skills the
assigned candidate holds directly or through a past occupation (partial credits not counted).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from matching.fairness import MIN_GROUP, group_rates
from matching.records import Assignment, Candidate, Metrics, Opening

__all__ = ["MIN_GROUP", "round_metrics"]


def round_metrics(
    candidates: Sequence[Candidate],
    openings: Sequence[Opening],
    assignments: Sequence[Assignment],
) -> Metrics:
    scores = [a.score for a in assignments]
    placed = {a.candidate for a in assignments}
    covered = sum(len(a.explanation.matched_essential) for a in assignments)
    required = covered + sum(
        len(a.explanation.missing_essential)
        + sum(1 for p in a.explanation.partial_credits if p.requirement == "essential")
        for a in assignments
    )
    return Metrics(
        candidates=len(candidates),
        candidates_placed=len(placed),
        places_total=sum(o.capacity for o in openings),
        places_filled=len(assignments),
        mean_score=statistics.fmean(scores) if scores else None,
        median_score=float(statistics.median(scores)) if scores else None,
        essential_coverage=covered / required if required else None,
        by_gender=group_rates(((c.gender or "unknown"), c.id in placed) for c in candidates),
        by_origin=group_rates(((c.origin or "unknown"), c.id in placed) for c in candidates),
    )
