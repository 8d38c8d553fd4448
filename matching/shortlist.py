"""Top-k eligible openings per candidate, computed in candidate blocks → the solver's graph.

For each block of candidates, effective skill levels (sparse) times the openings' requirement
matrices give a dense block of coverages, small by construction (block rows × openings ≤
``MAX_BLOCK_CELLS``), so 100k × 10k never builds a full dense matrix. In the block: rule masks,
the six score terms, and the top ``Policy.shortlist`` openings per candidate among the pairs
that are eligible, not forbidden, with places, and with a positive skill term. Ties at the
k-th place go to the lower opening id. Locked pairs are always edges, whatever their rank or
rules. Edge scores are then computed once more per edge with the same float operations
(``scoring.pair_terms``), and kept with their terms for the explanations.

For candidates without any edge the block also records why: no eligible opening at all
(with the nearest opening: fewest failed rules, then highest score, then lowest id; and per
rule how many openings it excludes), or eligible openings but no skill match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.eligibility import RULES, rule_masks
from matching.features import Features
from matching.records import Policy
from matching.scoring import SkillModel, pair_terms, total
from matching.solvers.graph import AssignmentGraph

__all__ = ["MAX_BLOCK_CELLS", "Shortlist", "build_shortlist"]

#: Upper bound on block rows × openings (dense float64 cells held at once per array).
MAX_BLOCK_CELLS = 2_000_000

Index = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Shortlist:
    """The solver graph, each edge's terms (``scoring.TERMS`` order), and the diagnosis of
    candidates without edges (row indices into ``Features``).

    ``no_eligible``: rows with no eligible opening; ``nearest[i]``: their nearest opening row
    (-1 when no opening has places); ``excluded_by[rule][i]``: how many openings with places
    that rule excludes. ``no_skill``: eligible somewhere but no skill overlap;
    ``eligible_count[i]``: how many openings they were eligible for.
    """

    graph: AssignmentGraph
    terms: tuple[Floats, ...]
    no_eligible: Index
    nearest: Index
    excluded_by: dict[str, npt.NDArray[np.int64]]
    no_skill: Index
    eligible_count: npt.NDArray[np.int64]


def build_shortlist(
    features: Features,
    model: SkillModel,
    policy: Policy,
    *,
    block_cells: int = MAX_BLOCK_CELLS,
) -> Shortlist:
    f = features
    n_c, n_o = f.n_candidates, f.n_openings
    locks = _pairs(f, policy.locks)
    forbidden = _pairs(f, policy.forbidden)
    active = f.capacity > 0
    all_open = np.arange(n_o, dtype=np.intp)[None, :]
    step = max(1, min(n_c, block_cells // max(n_o, 1)))
    edge_cand: list[Index] = []
    edge_open: list[Index] = []
    edge_ess: list[Floats] = []
    edge_opt: list[Floats] = []
    none_rows: list[Index] = []
    nearest: list[Index] = []
    excluded: dict[str, list[npt.NDArray[np.int64]]] = {rule: [] for rule in RULES}
    skill_rows: list[Index] = []
    skill_counts: list[npt.NDArray[np.int64]] = []
    for a in range(0, n_c, step):
        rows = np.arange(a, min(a + step, n_c), dtype=np.intp)
        ess, opt = model.coverage(rows)
        cand = rows[:, None]
        masks = rule_masks(f, cand, all_open)
        ok = np.broadcast_to(active, (len(rows), n_o)).copy()
        for mask in masks.values():
            ok &= mask
        in_block = (forbidden[0] >= a) & (forbidden[0] < a + len(rows))
        ok[forbidden[0][in_block] - a, forbidden[1][in_block]] = False
        edge_ok = ok & ((ess > 0) | (opt > 0))
        score = total(pair_terms(f, policy.weights, cand, all_open, ess, opt))
        take = _top_k(np.where(edge_ok, score, -np.inf), policy.shortlist)
        lock_in = (locks[0] >= a) & (locks[0] < a + len(rows))
        take[locks[0][lock_in] - a, locks[1][lock_in]] = True
        r, o = np.nonzero(take)
        edge_cand.append(rows[r])
        edge_open.append(o.astype(np.intp))
        edge_ess.append(ess[r, o])
        edge_opt.append(opt[r, o])

        has_edge = take.any(axis=1)
        any_ok = ok.any(axis=1)
        none = np.flatnonzero(~any_ok & ~has_edge)
        if len(none):
            fails = np.zeros((len(none), n_o), dtype=np.int16)
            for rule in RULES:
                failed = ~masks[rule][none] & active
                fails += failed
                excluded[rule].append(failed.sum(axis=1).astype(np.int64))
            fails[:, ~active] = np.iinfo(np.int16).max
            best = fails == fails.min(axis=1, keepdims=True)
            pick = np.argmax(np.where(best, score[none], -np.inf), axis=1).astype(np.intp)
            none_rows.append(rows[none])
            nearest.append(pick if active.any() else np.full(len(none), -1, dtype=np.intp))
        noskill = np.flatnonzero(any_ok & ~has_edge)
        if len(noskill):
            skill_rows.append(rows[noskill])
            skill_counts.append(ok[noskill].sum(axis=1).astype(np.int64))

    cand_e = _cat_index(edge_cand)
    open_e = _cat_index(edge_open)
    terms = tuple(
        np.ascontiguousarray(t)
        for t in pair_terms(
            f, policy.weights, cand_e, open_e, _cat_float(edge_ess), _cat_float(edge_opt)
        )
    )
    locked = np.zeros(len(cand_e), dtype=np.bool_)
    if len(locks[0]):
        key = cand_e.astype(np.int64) * max(n_o, 1) + open_e
        locked[np.searchsorted(key, locks[0].astype(np.int64) * max(n_o, 1) + locks[1])] = True
    graph = AssignmentGraph(
        n_candidates=n_c,
        capacity=f.capacity.copy(),
        cand=cand_e.astype(np.int32),
        opening=open_e.astype(np.int32),
        score=total(terms),
        locked=locked,
    )
    return Shortlist(
        graph=graph,
        terms=terms,
        no_eligible=_cat_index(none_rows),
        nearest=_cat_index(nearest),
        excluded_by={rule: _cat_int(v) for rule, v in excluded.items()},
        no_skill=_cat_index(skill_rows),
        eligible_count=_cat_int(skill_counts),
    )


def _top_k(score: Floats, k: int) -> npt.NDArray[np.bool_]:
    """Per row, the k best finite entries; ties at the k-th value go to the lower column."""
    n = score.shape[1]
    finite = np.isfinite(score)
    if k >= n:
        return finite
    kth = np.partition(score, n - k, axis=1)[:, n - k : n - k + 1]
    greater = score > kth
    tie = score == kth
    need = k - greater.sum(axis=1, keepdims=True)
    take: npt.NDArray[np.bool_] = (greater | (tie & (np.cumsum(tie, axis=1) <= need))) & finite
    return take


def _pairs(features: Features, pairs: tuple[tuple[str, str], ...]) -> tuple[Index, Index]:
    rows = np.array([features.candidate_row[c] for c, _ in pairs], dtype=np.intp)
    cols = np.array([features.opening_row[o] for _, o in pairs], dtype=np.intp)
    return rows, cols


def _cat_float(parts: list[Floats]) -> Floats:
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0, dtype=np.float64)


def _cat_index(parts: list[Index]) -> Index:
    return np.concatenate(parts).astype(np.intp) if parts else np.zeros(0, dtype=np.intp)


def _cat_int(parts: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
