"""Reserve lists: for every job opening, who would step in if a placement falls through.

A *reserve* of job opening ``o`` is a candidate with an edge at ``o`` in the solver graph (an
eligible, shortlisted pair; locked pairs included) who is either unassigned or assigned
elsewhere with a strictly lower score than their score at ``o`` (a move to ``o`` would be an
improvement for them). Candidates already placed at ``o`` are not reserves of ``o``. Reserves
are ranked by their score at ``o`` (descending), ties by candidate id (ascending), and each
list is cut at ``size``. Training openings get no list.

Cheap by construction: one join of the graph's edges with the assignment and one sort, all in
polars; the candidates considered are those the shortlist kept for ``o`` (each candidate's
``Policy.shortlist`` best openings), so a candidate who ranks ``o`` below their own top-k is
never a reserve of ``o``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import polars as pl

from matching.records import Reserve

__all__ = ["DEFAULT_RESERVES", "Reserve", "reserve_lists"]

#: Default length of each reserve list (``Policy.reserves``).
DEFAULT_RESERVES = 5


def reserve_lists(
    edges: pl.DataFrame,
    assignments: Iterable[tuple[str, str, float]],
    *,
    jobs: Collection[str],
    size: int = DEFAULT_RESERVES,
) -> Mapping[str, tuple[Reserve, ...]]:
    """Ranked reserves of every opening of ``jobs`` (an empty tuple when it has none).

    ``edges``: the solver graph as a frame with columns candidate (str), opening (str) and
    score (float64) — ``RoundResult.edges``; ``assignments``: (candidate, opening, score) of
    the placements; ``size`` >= 0: the length of each list. Keys are sorted by opening id.
    """
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    wanted = sorted(set(jobs))
    if size == 0:
        return {o: () for o in wanted}
    placed = list(assignments)
    current = pl.DataFrame(
        {
            "candidate": [c for c, _, _ in placed],
            "assigned_to": [o for _, o, _ in placed],
            "assigned_score": [s for _, _, s in placed],
        },
        schema={"candidate": pl.String, "assigned_to": pl.String, "assigned_score": pl.Float64},
    )
    frame = (
        edges.lazy()
        .select("candidate", "opening", "score")
        .filter(pl.col("opening").is_in(wanted))
        .join(current.lazy(), on="candidate", how="left")
        .filter(
            pl.col("assigned_to").is_null()
            | (
                (pl.col("assigned_to") != pl.col("opening"))
                & (pl.col("assigned_score") < pl.col("score"))
            )
        )
        .sort(["opening", "score", "candidate"], descending=[False, True, False])
        .group_by("opening", maintain_order=True)
        .head(size)
        .collect()
    )
    out: dict[str, list[Reserve]] = {o: [] for o in wanted}
    for candidate, opening, score, assigned_to, assigned_score in frame.select(
        "candidate", "opening", "score", "assigned_to", "assigned_score"
    ).iter_rows():
        out[opening].append(Reserve(candidate, score, assigned_to, assigned_score))
    return {o: tuple(rows) for o, rows in out.items()}
