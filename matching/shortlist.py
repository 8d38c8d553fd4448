"""Top-k openings per candidate, computed in candidate blocks → the solver's graph.

An *edge* is a pair that passes every rule of ``matching.eligibility``, is not forbidden, is
at an opening with places, and whose requirement coverage (the share of the opening's
essential skills the candidate covers, with effective levels; the optional skills when the
opening lists no essential one) is positive and at least ``Weights.min_coverage``. Every locked
pair is an edge too, whatever its rules or coverage. Each candidate keeps its
``Policy.shortlist`` best edges by score; ties go to the lower opening id. This is the exact
top-k among edges.

How it stays sparse (100k × 10k never builds a dense matrix): openings are grouped by
identical requirement sets ("profiles"). For a block of candidates, the effective-level matrix
(sparse) times the profiles' requirement matrix gives the coverage of every
(candidate, profile) pair that shares a skill; only those reaching ``min_coverage`` are
expanded to their openings, where the rules, the optional coverage and the six terms are
computed per pair (``scoring.pair_terms``, the same float operations as everywhere). Work
grows with the pairs that share skills, not with candidates × openings.

For candidates left without any edge the block also records why, checking the rules against
every opening for those rows only: no eligible opening at all (with the nearest opening:
fewest failed rules, then highest coverage, then lowest id; and per rule how many openings it
excludes), or eligible openings but none with enough skill coverage (with the best coverage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matching._arrays import concat_ranges, find_sorted
from matching.eligibility import RULES, eligible, rule_masks
from matching.features import Features
from matching.records import Policy
from matching.scoring import Expanded, SkillModel, pair_terms, total
from matching.solvers.graph import AssignmentGraph

__all__ = ["BLOCK_ROWS", "COVERAGE_TOLERANCE", "DIAGNOSIS_CELLS", "Shortlist", "build_shortlist"]

#: Candidates per block.
BLOCK_ROWS = 2_000
#: Upper bound on rows × openings of the dense rule check for candidates without edges.
DIAGNOSIS_CELLS = 4_000_000
#: Coverage compared with ``min_coverage`` up to this rounding slack (sums of 1/n shares).
COVERAGE_TOLERANCE = 1e-9

Index = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Shortlist:
    """The solver graph, each edge's terms (``scoring.TERMS`` order), and the diagnosis of
    candidates without edges (row indices into ``Features``).

    ``no_eligible``: rows with no eligible opening; ``nearest[i]``: their nearest opening row
    (-1 when no opening has places); ``excluded_by[rule][i]``: how many openings with places
    that rule excludes. ``no_skill``: rows eligible somewhere but never with enough coverage;
    ``eligible_count[i]`` / ``best_coverage[i]``: how many openings they were eligible for and
    their best requirement coverage there.
    """

    graph: AssignmentGraph
    terms: tuple[Floats, ...]
    no_eligible: Index
    nearest: Index
    excluded_by: dict[str, npt.NDArray[np.int64]]
    no_skill: Index
    eligible_count: npt.NDArray[np.int64]
    best_coverage: Floats


@dataclass
class _Parts:
    cand: list[Index]
    opening: list[Index]
    essential: list[Floats]
    optional: list[Floats]


def build_shortlist(features: Features, model: SkillModel, policy: Policy) -> Shortlist:
    f = features
    n_c, n_o = f.n_candidates, f.n_openings
    w = policy.weights
    locks = _pair_keys(f, policy.locks)
    forbidden = _pair_keys(f, policy.forbidden)
    edges = _Parts([], [], [], [])
    diag = _Diagnosis(f, model, forbidden)
    for a in range(0, n_c, BLOCK_ROWS):
        rows = np.arange(a, min(a + BLOCK_ROWS, n_c), dtype=np.intp)
        ex = model.expand(rows, provenance=False)
        cover = (model.effective(ex, len(rows)) @ model.requirement_t).tocoo()
        keep = (cover.data > 0) & (cover.data >= w.min_coverage - COVERAGE_TOLERANCE)
        r, o, value = _to_openings(model, cover.row[keep], cover.col[keep], cover.data[keep])
        cand = rows[r]
        key = cand.astype(np.int64) * n_o + o
        ok = (f.capacity[o] > 0) & eligible(f, cand, o) & ~_member(key, forbidden)
        r, o, value = r[ok], o[ok], value[ok]
        ess, opt = _coverages(model, ex, r, o, value)
        score = total(pair_terms(f, w, rows[r], o, ess, opt))
        top = _top_k(r, o, score, policy.shortlist)
        lock_rows, lock_open = _in_block(locks, a, len(rows), n_o)
        l_ess = model.pair_coverage(ex, model.essential, lock_rows, lock_open)
        l_opt = model.pair_coverage(ex, model.optional, lock_rows, lock_open)
        r = np.concatenate([r[top], lock_rows])
        o = np.concatenate([o[top], lock_open])
        ess = np.concatenate([ess[top], l_ess])
        opt = np.concatenate([opt[top], l_opt])
        key = r.astype(np.int64) * n_o + o
        _, first = np.unique(key, return_index=True)  # sorted by (row, opening), locks merged
        edges.cand.append(rows[r[first]])
        edges.opening.append(o[first])
        edges.essential.append(ess[first])
        edges.optional.append(opt[first])
        has_edge = np.zeros(len(rows), dtype=np.bool_)
        has_edge[r] = True
        diag.add(rows[~has_edge], a, cover)

    cand_e = _cat(edges.cand, np.intp)
    open_e = _cat(edges.opening, np.intp)
    terms = tuple(
        np.ascontiguousarray(t)
        for t in pair_terms(
            f,
            w,
            cand_e,
            open_e,
            _cat(edges.essential, np.float64),
            _cat(edges.optional, np.float64),
        )
    )
    edge_key = cand_e.astype(np.int64) * n_o + open_e
    graph = AssignmentGraph(
        n_candidates=n_c,
        capacity=f.capacity.copy(),
        cand=cand_e.astype(np.int32),
        opening=open_e.astype(np.int32),
        score=total(terms),
        locked=_member(edge_key, locks),
    )
    return diag.result(graph, terms)


def _to_openings(
    model: SkillModel, row: npt.NDArray[np.int32], profile: npt.NDArray[np.int32], value: Floats
) -> tuple[Index, Index, Floats]:
    """(block row, profile, coverage) → (block row, opening, coverage), one per opening."""
    starts = model.profile_indptr[profile]
    sizes = model.profile_indptr[profile + 1] - starts
    offsets = concat_ranges(starts, sizes)
    r = np.repeat(row.astype(np.intp), sizes)
    o = model.profile_openings[offsets].astype(np.intp)
    return r, o, np.repeat(value, sizes)


def _coverages(
    model: SkillModel, ex: Expanded, r: Index, o: Index, value: Floats
) -> tuple[Floats, Floats]:
    """Essential and optional coverage of pairs whose requirement coverage is ``value``."""
    uses = model.uses_essential[o]
    ess = np.where(uses, value, 0.0)
    opt = value.copy()
    if uses.any():
        opt[uses] = model.pair_coverage(ex, model.optional, r[uses], o[uses])
    return ess, opt


def _top_k(r: Index, o: Index, score: Floats, k: int) -> Index:
    """Positions of each row's k best pairs (ties: lower opening), in (row, opening) order."""
    order = np.lexsort((o, -score, r))
    rs = r[order]
    group_start = np.searchsorted(rs, rs, side="left")
    rank = np.arange(len(rs)) - group_start
    return np.sort(order[rank < k])


def _member(keys: npt.NDArray[np.int64], table: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """``keys`` found in the sorted unique ``table`` (elementwise, any shape)."""
    found: npt.NDArray[np.bool_] = find_sorted(table, keys) >= 0
    return found


def _pair_keys(features: Features, pairs: tuple[tuple[str, str], ...]) -> npt.NDArray[np.int64]:
    n_o = features.n_openings
    keys = [features.candidate_row[c] * n_o + features.opening_row[o] for c, o in pairs]
    return np.unique(np.array(keys, dtype=np.int64))


def _in_block(keys: npt.NDArray[np.int64], a: int, n: int, n_o: int) -> tuple[Index, Index]:
    cand = keys // max(n_o, 1)
    mine = keys[(cand >= a) & (cand < a + n)]
    return (mine // max(n_o, 1) - a).astype(np.intp), (mine % max(n_o, 1)).astype(np.intp)


def _cat(parts: Sequence[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


class _Diagnosis:
    """Why candidates have no edge, checked against every opening for those rows only."""

    def __init__(
        self, features: Features, model: SkillModel, forbidden: npt.NDArray[np.int64]
    ) -> None:
        self.f = features
        self.model = model
        self.forbidden = forbidden
        self.none: list[Index] = []
        self.nearest: list[Index] = []
        self.excluded: dict[str, list[npt.NDArray[np.int64]]] = {rule: [] for rule in RULES}
        self.no_skill: list[Index] = []
        self.counts: list[npt.NDArray[np.int64]] = []
        self.best: list[Floats] = []

    def add(self, rows: Index, block_start: int, cover: sp.coo_matrix) -> None:
        """Diagnose ``rows`` (no edge); ``cover``: the block's (row, profile) coverage."""
        f = self.f
        n_o = f.n_openings
        coverage_block = sp.csr_matrix(cover)
        step = max(1, DIAGNOSIS_CELLS // max(n_o, 1))
        all_open = np.arange(n_o, dtype=np.intp)[None, :]
        active = f.capacity > 0
        for b in range(0, len(rows), step):
            part = rows[b : b + step]
            masks = rule_masks(f, part[:, None], all_open)
            banned = _member(part.astype(np.int64)[:, None] * n_o + all_open, self.forbidden)
            ok = active & ~banned
            fails = banned.astype(np.int16)
            excluded: dict[str, npt.NDArray[np.int64]] = {}
            for rule in RULES:
                ok &= masks[rule]
                failed = ~masks[rule] & active
                fails += failed
                excluded[rule] = failed.sum(axis=1).astype(np.int64)
            dense = coverage_block[part - block_start].toarray()
            coverage = np.asarray(dense, dtype=np.float64)[:, self.model.profile_of]
            any_ok = ok.any(axis=1)
            none = ~any_ok
            if none.any():
                near = fails[none]
                near[:, ~active] = np.iinfo(np.int16).max
                best = near == near.min(axis=1, keepdims=True)
                pick = np.argmax(np.where(best, coverage[none], -1.0), axis=1).astype(np.intp)
                self.none.append(part[none])
                self.nearest.append(pick if active.any() else np.full(len(pick), -1, np.intp))
                for rule in RULES:
                    self.excluded[rule].append(excluded[rule][none])
            if any_ok.any():
                self.no_skill.append(part[any_ok])
                self.counts.append(ok[any_ok].sum(axis=1).astype(np.int64))
                self.best.append(np.where(ok[any_ok], coverage[any_ok], 0.0).max(axis=1))

    def result(self, graph: AssignmentGraph, terms: tuple[Floats, ...]) -> Shortlist:
        return Shortlist(
            graph=graph,
            terms=terms,
            no_eligible=_cat(self.none, np.intp),
            nearest=_cat(self.nearest, np.intp),
            excluded_by={rule: _cat(v, np.int64) for rule, v in self.excluded.items()},
            no_skill=_cat(self.no_skill, np.intp),
            eligible_count=_cat(self.counts, np.int64),
            best_coverage=_cat(self.best, np.float64),
        )
