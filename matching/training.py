"""Train-to-hire: a training place earmarked for a job, for candidates who miss it by a gap the
training closes.

A *training path* is a training opening ``T`` that ``teaches`` some skills and ``feeds`` a job
opening ``J``. A candidate qualifies for the path when every essential skill of ``J`` that
``T`` does not teach is held (effective level > 0, partial credits counting, as for coverage),
at least one essential skill of ``J`` that ``T`` teaches is missing (level 0: the *gap*), the
pair passes every eligibility rule of ``J`` *and* of ``T``, neither pair is forbidden and both
openings have places. For sparsity a candidate must also hold at least one essential skill of
``J`` (a training that teaches all of ``J``'s essentials is not offered to everybody). Such a
*combined edge* (candidate → (``T``, ``J``)) takes one place of ``T`` **and** one of ``J``.

Score: the job's score after training — ``J``'s six terms (``matching.scoring``) with every
missing skill of ``J`` (essential or optional) that ``T`` teaches counted as held at level 1 —
times ``discount`` (``DEFAULT_TRAINING_DISCOUNT`` = 0.8, in (0, 1]: the programme pays for
the training and the outcome is less certain). Each candidate keeps its ``shortlist`` best
combined edges (ties: lower path index).

A training opening that feeds some job is *earmarked*: its places are used by combined edges
only (plus any pair staff locked to it, kept as an ordinary edge). A training opening that
feeds no job is an ordinary opening.

Solving (``solve_with_training``): without combined edges it is the optimal b-matching
(``solve_optimal``) of the graph minus the unlocked edges at earmarked trainings. With
combined edges a pair uses capacity on two openings, which no bipartite b-matching expresses,
so the problem is the 0/1 programme

    max  Σ_direct s_e x_e + Σ_combined s_k y_k
    s.t. Σ_{edges of c} x + Σ_{combined of c} y <= 1            (each candidate)
         Σ_{direct at o} x + Σ_{k: T_k = o or J_k = o} y <= cap_o  (each opening)
         x_e = 1 for locked edges,

solved exactly by HiGHS (``matching.solvers._quota_milp.solve_01``: working set of columns
priced by LP duals, MILP with ``mip_rel_gap = 0`` on integer-quantised scores, so optimal up
to HiGHS's 1e-6 absolute tolerance, i.e. exactly on the quantised scores).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matching._arrays import find_sorted
from matching.eligibility import eligible, rule_outcomes
from matching.errors import InvalidRecordError, MatchingError
from matching.features import Features
from matching.records import (
    Assignment,
    Explanation,
    GapClosed,
    Opening,
    RuleOutcome,
    SkillRef,
    Weights,
)
from matching.scoring import TERMS, SkillModel, pair_terms, total
from matching.solvers._quota_milp import solve_01
from matching.solvers.graph import AssignmentGraph
from matching.solvers.optimal import quantise_scores, solve_optimal
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "DEFAULT_TRAINING_DISCOUNT",
    "CombinedEdges",
    "GapClosed",
    "TrainingPath",
    "TrainingSolution",
    "combined_edges",
    "explain_gaps",
    "solve_with_training",
    "training_assignments",
    "training_paths",
]

#: Default ``Policy.training_discount``: a combined pair scores 80 % of the job after training.
DEFAULT_TRAINING_DISCOUNT = 0.8
#: Candidates per block when looking for combined edges.
BLOCK_ROWS = 2_000

Index = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TrainingPath:
    """Training opening ``training`` teaches ``teaches`` (skill URIs) and feeds ``job``."""

    training: str
    job: str
    teaches: tuple[str, ...]


def training_paths(
    openings: Sequence[Opening],
    *,
    teaches: Mapping[str, Sequence[str]],
    feeds: Mapping[str, Sequence[str]],
    skills: frozenset[str] | None = None,
) -> tuple[TrainingPath, ...]:
    """The paths of every training opening that feeds jobs, sorted by (training, job).

    ``teaches`` / ``feeds``: training opening id → skill URIs / job opening ids. Raises
    ``InvalidRecordError`` naming the opening and field for an unknown or non-training opening,
    a fed opening that is unknown or not a job, or (when ``skills`` is given) an unknown skill.
    """
    kind = {o.id: o.kind for o in openings}
    out: list[TrainingPath] = []
    for training in sorted(set(teaches) | set(feeds)):
        record = f"opening {training}"
        if kind.get(training) != "training":
            field = "feeds" if training in feeds else "teaches"
            raise InvalidRecordError(record, field, "only a known training opening can have it")
        taught = tuple(teaches.get(training, ()))
        for uri in taught:
            if skills is not None and uri not in skills:
                raise InvalidRecordError(record, "teaches", f"unknown ESCO skill {uri!r}")
        for job in sorted(set(feeds.get(training, ()))):
            if kind.get(job) != "job":
                raise InvalidRecordError(record, "feeds", f"{job!r} is not a known job opening")
            out.append(TrainingPath(training=training, job=job, teaches=tuple(sorted(taught))))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class CombinedEdges:
    """Combined edges, sorted by (cand, path): feature rows of the candidate, training and job,
    the path index, the discounted score and the job's terms after training (``TERMS`` order,
    summing to ``job_score``; ``score = discount * job_score``)."""

    cand: Index
    training: Index
    job: Index
    path: Index
    score: Floats
    job_score: Floats
    terms: tuple[Floats, ...]
    discount: float

    @property
    def n_edges(self) -> int:
        return int(self.cand.shape[0])


def combined_edges(
    features: Features,
    model: SkillModel,
    paths: Sequence[TrainingPath],
    *,
    weights: Weights,
    discount: float = DEFAULT_TRAINING_DISCOUNT,
    shortlist: int = 50,
    forbidden: frozenset[tuple[str, str]] = frozenset(),
) -> CombinedEdges:
    """Every qualifying (candidate, path) pair, each candidate's ``shortlist`` best."""
    if not 0.0 < discount <= 1.0:
        raise InvalidRecordError("policy", "training_discount", f"expected (0, 1], got {discount}")
    f = features
    mats = _PathMatrices.build(f, model, paths)
    parts: list[tuple[Index, Index, Floats, Floats]] = []
    banned = _pair_keys(f, forbidden)
    for a in range(0, f.n_candidates if mats.n_paths else 0, BLOCK_ROWS):
        rows = np.arange(a, min(a + BLOCK_ROWS, f.n_candidates), dtype=np.intp)
        ex = model.expand(rows, provenance=False)
        held = model.effective(ex, len(rows))
        held.data[:] = 1.0
        touch = (held @ mats.essential).tocoo()  # (row, path) holding some essential of J
        r, p = touch.row.astype(np.intp), touch.col.astype(np.intp)
        hu = np.asarray((held @ mats.untaught)[r, p]).ravel()
        hg = np.asarray((held @ mats.taught)[r, p]).ravel()
        ok = (hu == mats.untaught_count[p]) & (hg < mats.taught_count[p])
        r, p, hg = r[ok], p[ok], hg[ok]
        cand, t, j = rows[r], mats.training[p], mats.job[p]
        ok = (
            (f.capacity[t] > 0)
            & (f.capacity[j] > 0)
            & eligible(f, cand, j)
            & eligible(f, cand, t)
            & ~_member(cand, j, banned, f.n_openings)
            & ~_member(cand, t, banned, f.n_openings)
        )
        r, p, hg, cand, j = r[ok], p[ok], hg[ok], cand[ok], j[ok]
        ess = model.pair_coverage(ex, model.essential, r, j)
        ess = ess + (mats.taught_count[p] - hg) / mats.essential_count[p]
        opt = model.pair_coverage(ex, model.optional, r, j)
        has_opt = mats.optional_count[p] > 0
        if has_opt.any():
            hgo = np.asarray((held @ mats.taught_optional)[r, p]).ravel()
            missing = (mats.taught_optional_count[p] - hgo) / np.maximum(mats.optional_count[p], 1)
            opt = opt + np.where(has_opt, missing, 0.0)
        parts.append((cand, p, ess, opt))
    cand = _cat([x[0] for x in parts], np.intp)
    path = _cat([x[1] for x in parts], np.intp)
    ess = _cat([x[2] for x in parts], np.float64)
    opt = _cat([x[3] for x in parts], np.float64)
    terms = pair_terms(f, weights, cand, mats.job[path], ess, opt)
    job_score = total(terms)
    score = discount * job_score
    order = np.lexsort((path, -score, cand))
    rank = np.arange(len(order)) - np.searchsorted(cand[order], cand[order])
    keep = np.sort(order[rank < shortlist])  # (cand, path) order: cand was built ascending
    keep = keep[np.lexsort((path[keep], cand[keep]))]
    return CombinedEdges(
        cand=cand[keep],
        training=mats.training[path[keep]],
        job=mats.job[path[keep]],
        path=path[keep],
        score=score[keep],
        job_score=job_score[keep],
        terms=tuple(np.ascontiguousarray(t[keep]) for t in terms),
        discount=discount,
    )


@dataclass(frozen=True, slots=True)
class TrainingSolution:
    """Chosen direct edges (indices into the graph) and chosen combined edges (indices into
    ``CombinedEdges``), both ascending, and the total score (float sum)."""

    direct: npt.NDArray[np.int64]
    combined: npt.NDArray[np.int64]
    total: float
    solver: str


def solve_with_training(
    graph: AssignmentGraph,
    combined: CombinedEdges,
    *,
    earmarked: npt.NDArray[np.bool_],
    time_limit: float | None = None,
) -> TrainingSolution:
    """Maximum total score over direct and combined edges (see the module docstring).

    ``earmarked[o]``: opening ``o`` is a training that feeds jobs (no unlocked direct edge).
    """
    usable = np.flatnonzero(~earmarked[graph.opening] | graph.locked)
    sub = _subgraph(graph, usable)
    if combined.n_edges == 0:
        solution = solve_optimal(sub)
        direct = usable[solution.edges].astype(np.int64)  # usable is ascending
        return TrainingSolution(direct, np.zeros(0, np.int64), solution.total, solution.solver)
    n_c, n_o, n_d = graph.n_candidates, graph.n_openings, sub.n_edges
    paths = np.unique(combined.path)
    virtual = n_o + np.searchsorted(paths, combined.path)
    cand = np.concatenate([sub.cand, combined.cand]).astype(np.int64)
    opening = np.concatenate([sub.opening, virtual]).astype(np.int64)
    order = np.lexsort((opening, cand))
    q = quantise_scores(np.concatenate([sub.score, combined.score]))
    _, first = np.unique(combined.path, return_index=True)
    v_cap = np.minimum(
        graph.capacity[combined.training[first]], graph.capacity[combined.job[first]]
    )
    ext = AssignmentGraph(
        n_candidates=n_c,
        capacity=np.concatenate([graph.capacity, v_cap]).astype(np.int64),
        cand=cand[order].astype(np.int32),
        opening=opening[order].astype(np.int32),
        score=q[order].astype(np.float64),
        locked=np.concatenate([sub.locked, np.zeros(combined.n_edges, np.bool_)])[order],
    )
    col = np.arange(len(order))
    is_comb = order >= n_d
    k = order[is_comb] - n_d
    rows_o = np.concatenate([ext.opening[~is_comb], combined.training[k], combined.job[k]])
    cols_o = np.concatenate([col[~is_comb], col[is_comb], col[is_comb]])
    a_cand = sp.csr_array((np.ones(len(col)), (ext.cand, col)), shape=(n_c, len(col)))
    a_open = sp.csr_array((np.ones(len(cols_o)), (rows_o, cols_o)), shape=(n_o, len(col)))
    a_le = sp.csr_array(sp.vstack([a_cand, a_open]))
    b_le = np.concatenate([np.ones(n_c), graph.capacity.astype(np.float64)])
    found = solve_01(ext, a_le, b_le, time_limit=time_limit)
    if found is None or not found[1]:
        raise MatchingError("train-to-hire programme not solved to optimality")
    chosen = order[found[0]]
    direct = np.sort(usable[chosen[chosen < n_d]]).astype(np.int64)
    comb = np.sort(chosen[chosen >= n_d] - n_d).astype(np.int64)
    total_score = math.fsum([*graph.score[direct].tolist(), *combined.score[comb].tolist()])
    return TrainingSolution(direct, comb, total_score, "optimal+training (HiGHS)")


def explain_gaps(
    features: Features,
    model: SkillModel,
    paths: Sequence[TrainingPath],
    combined: CombinedEdges,
    chosen: npt.NDArray[np.int64],
    *,
    taxonomy: Taxonomy,
) -> list[GapClosed]:
    """One ``GapClosed`` per chosen combined edge, in the given order (ESCO labels)."""
    f = features
    if len(chosen) == 0:
        return []
    users, upos = np.unique(combined.cand[chosen], return_inverse=True)
    ex = model.expand(users.astype(np.intp), provenance=False)
    n_s = len(model.skills)
    table = ex.row * n_s + ex.skill
    col = {uri: k for k, uri in enumerate(model.skills)}
    out: list[GapClosed] = []
    for i, e in enumerate(chosen.tolist()):
        p = paths[int(combined.path[e])]
        job = f.openings[int(combined.job[e])]
        taught = set(p.teaches)

        def gap(
            uris: tuple[str, ...], row: int = int(upos[i]), taught: set[str] = taught
        ) -> tuple[SkillRef, ...]:
            wanted = sorted(u for u in uris if u in taught)
            keys = np.array([row * n_s + col[u] for u in wanted], dtype=np.int64)
            found = find_sorted(table, keys)
            return tuple(
                SkillRef(u, taxonomy.preferred_label(u))
                for u, at in zip(wanted, found.tolist(), strict=True)
                if at < 0
            )

        out.append(
            GapClosed(
                training=p.training,
                job=p.job,
                essential=gap(job.essential_skills),
                optional=gap(job.optional_skills),
                job_score=float(combined.job_score[e]),
                discount=combined.discount,
            )
        )
    return out


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PathMatrices:
    """Per path (columns), skill indicator matrices (skills × paths) and their counts."""

    n_paths: int
    training: Index
    job: Index
    essential: sp.csr_matrix
    untaught: sp.csr_matrix
    taught: sp.csr_matrix
    taught_optional: sp.csr_matrix
    essential_count: Floats
    untaught_count: Floats
    taught_count: Floats
    optional_count: Floats
    taught_optional_count: Floats

    @classmethod
    def build(
        cls, features: Features, model: SkillModel, paths: Sequence[TrainingPath]
    ) -> _PathMatrices:
        col = {uri: k for k, uri in enumerate(model.skills)}
        groups: dict[str, list[list[int]]] = {
            "essential": [],
            "untaught": [],
            "taught": [],
            "taught_optional": [],
        }
        training, job, n_opt = [], [], []
        for p in paths:
            o = features.openings[features.opening_row[p.job]]
            taught = set(p.teaches)
            groups["essential"].append([col[u] for u in o.essential_skills])
            groups["untaught"].append([col[u] for u in o.essential_skills if u not in taught])
            groups["taught"].append([col[u] for u in o.essential_skills if u in taught])
            groups["taught_optional"].append([col[u] for u in o.optional_skills if u in taught])
            training.append(features.opening_row[p.training])
            job.append(features.opening_row[p.job])
            n_opt.append(len(o.optional_skills))
        mats = {name: _indicator(g, len(col)) for name, g in groups.items()}
        counts = {
            name: np.array([len(x) for x in g], dtype=np.float64) for name, g in groups.items()
        }
        return cls(
            n_paths=len(paths),
            training=np.array(training, dtype=np.intp),
            job=np.array(job, dtype=np.intp),
            essential=mats["essential"],
            untaught=mats["untaught"],
            taught=mats["taught"],
            taught_optional=mats["taught_optional"],
            essential_count=counts["essential"],
            untaught_count=counts["untaught"],
            taught_count=counts["taught"],
            optional_count=np.array(n_opt, dtype=np.float64),
            taught_optional_count=counts["taught_optional"],
        )


def _indicator(groups: list[list[int]], n_skills: int) -> sp.csr_matrix:
    rows = np.array([k for g in groups for k in g], dtype=np.int64)
    cols = np.array([p for p, g in enumerate(groups) for _ in g], dtype=np.int64)
    return sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(n_skills, len(groups)), dtype=np.float64
    )


def _pair_keys(features: Features, pairs: frozenset[tuple[str, str]]) -> npt.NDArray[np.int64]:
    n_o = features.n_openings
    keys = [
        features.candidate_row[c] * n_o + features.opening_row[o]
        for c, o in pairs
        if c in features.candidate_row and o in features.opening_row
    ]
    return np.unique(np.array(keys, dtype=np.int64))


def _member(
    cand: Index, opening: Index, table: npt.NDArray[np.int64], n_o: int
) -> npt.NDArray[np.bool_]:
    found: npt.NDArray[np.bool_] = find_sorted(table, cand.astype(np.int64) * n_o + opening) >= 0
    return found


def _cat(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _subgraph(graph: AssignmentGraph, edges: npt.NDArray[np.int64]) -> AssignmentGraph:
    return AssignmentGraph(
        n_candidates=graph.n_candidates,
        capacity=graph.capacity,
        cand=graph.cand[edges],
        opening=graph.opening[edges],
        score=graph.score[edges],
        locked=graph.locked[edges],
    )


def training_assignments(
    features: Features,
    combined: CombinedEdges,
    chosen: npt.NDArray[np.int64],
    gaps: Sequence[GapClosed],
    *,
    forbidden: frozenset[tuple[str, str]] = frozenset(),
) -> list[Assignment]:
    """One ``Assignment`` per chosen combined edge: at the training opening, with the job's
    terms after training plus a ``training_discount`` term (``score - job_score``; exact for a
    discount >= 0.5, so the terms sum to the score), the job's rules, and ``training`` = the
    gap closed (``GapClosed``)."""
    f = features
    out: list[Assignment] = []
    for e, gap in zip(chosen.tolist(), gaps, strict=True):
        c_row, j_row = int(combined.cand[e]), int(combined.job[e])
        c, job = f.candidates[c_row], f.openings[j_row]
        score = float(combined.score[e])
        terms = tuple((name, float(t[e])) for name, t in zip(TERMS, combined.terms, strict=True))
        terms += (("training_discount", score - float(combined.job_score[e])),)
        rules = rule_outcomes(f, c_row, j_row, forbidden=(c.id, job.id) in forbidden)
        out.append(
            Assignment(
                candidate=c.id,
                opening=f.openings[int(combined.training[e])].id,
                score=score,
                explanation=Explanation(
                    terms=terms,
                    matched_essential=(),
                    matched_optional=(),
                    partial_credits=(),
                    missing_essential=gap.essential,
                    rules=tuple(RuleOutcome(rule=r, passed=ok, detail=d) for r, ok, d, _ in rules),
                    locked=False,
                ),
                training=gap,
            )
        )
    return out
