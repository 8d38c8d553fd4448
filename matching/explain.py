"""Explanations: why each assignment scores what it scores, and why a candidate is unassigned.

Computed only for the pairs that need them (the assigned pairs, and the best shortlisted
openings of outcompeted candidates), vectorised over those pairs: one provenance-tracking
expansion of the candidates' effective skills, then a lookup per required skill.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matching.eligibility import RULES, rule_outcomes
from matching.features import Features
from matching.records import (
    Explanation,
    PartialCredit,
    RuleOutcome,
    SkillMatch,
    SkillRef,
    Unassigned,
)
from matching.scoring import RELATIONS, TERMS, Expanded, SkillModel
from matching.shortlist import Shortlist
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["explain_pairs", "explain_unassigned"]

Index = npt.NDArray[np.intp]
#: How many shortlisted openings an "outcompeted" explanation lists.
OUTCOMPETED_SHOWN = 3


class _Labels:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self._taxonomy = taxonomy
        self._cache: dict[str, str] = {}

    def __call__(self, uri: str) -> str:
        label = self._cache.get(uri)
        if label is None:
            label = self._cache[uri] = self._taxonomy.preferred_label(uri)
        return label


def explain_pairs(
    features: Features,
    model: SkillModel,
    shortlist: Shortlist,
    edges: Index,
    *,
    taxonomy: Taxonomy,
    forbidden: frozenset[tuple[str, str]] = frozenset(),
) -> list[Explanation]:
    """One ``Explanation`` per edge index (into ``shortlist.graph``), in the given order."""
    g = shortlist.graph
    cand = g.cand[edges].astype(np.intp)
    opening = g.opening[edges].astype(np.intp)
    users, upos = np.unique(cand, return_inverse=True)
    ex = model.expand(users, provenance=True)
    n_s = len(model.skills)
    known = ex.row * n_s + ex.skill
    labels = _Labels(taxonomy)
    ess = _lookup(model, model.essential, opening, upos, known)
    opt = _lookup(model, model.optional, opening, upos, known)
    out: list[Explanation] = []
    for p in range(len(edges)):
        e = int(edges[p])
        c_row, o_row = int(cand[p]), int(opening[p])
        matched_e, partial, missing = _skills(p, ess, ex, model, labels, c_row, "essential")
        matched_o, partial_o, _ = _skills(p, opt, ex, model, labels, c_row, "optional")
        c, o = features.candidates[c_row], features.openings[o_row]
        rules = rule_outcomes(features, c_row, o_row, forbidden=(c.id, o.id) in forbidden)
        out.append(
            Explanation(
                terms=tuple(
                    (name, float(t[e])) for name, t in zip(TERMS, shortlist.terms, strict=True)
                ),
                matched_essential=matched_e,
                matched_optional=matched_o,
                partial_credits=partial + partial_o,
                missing_essential=missing,
                rules=tuple(RuleOutcome(rule=r, passed=ok, detail=d) for r, ok, d, _ in rules),
                locked=bool(g.locked[e]),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Required:
    """Required skills of each explained pair, flattened: pair p owns ``[start[p], start[p+1])``;
    ``found[i]`` indexes the expansion (the candidate's effective level), or is -1."""

    start: Index
    skill: Index
    found: Index


def _lookup(
    model: SkillModel,
    req: sp.csr_matrix,
    opening: Index,
    upos: Index,
    known: npt.NDArray[np.int64],
) -> _Required:
    starts = req.indptr[opening]
    sizes = req.indptr[opening + 1] - starts
    n = int(sizes.sum())
    offsets = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(n)
    skill = req.indices[offsets].astype(np.intp)
    key = np.repeat(upos.astype(np.int64), sizes) * len(model.skills) + skill
    found = np.full(n, -1, dtype=np.intp)
    if len(known):
        pos = np.minimum(np.searchsorted(known, key), len(known) - 1)
        hit = known[pos] == key
        found[hit] = pos[hit]
    start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
    return _Required(start, skill, found)


def _skills(
    p: int,
    req: _Required,
    ex: Expanded,
    model: SkillModel,
    labels: _Labels,
    c_row: int,
    requirement: Literal["essential", "optional"],
) -> tuple[tuple[SkillMatch, ...], tuple[PartialCredit, ...], tuple[SkillRef, ...]]:
    matched: list[SkillMatch] = []
    partial: list[PartialCredit] = []
    missing: list[SkillRef] = []
    claimed = model.claimed
    a, b = claimed.indptr[c_row], claimed.indptr[c_row + 1]
    claimed_row = dict(zip(claimed.indices[a:b].tolist(), claimed.data[a:b].tolist(), strict=True))
    for i in range(int(req.start[p]), int(req.start[p + 1])):
        col = int(req.skill[i])
        uri = model.skills[col]
        k = int(req.found[i])
        if k < 0:
            missing.append(SkillRef(uri, labels(uri)))
            continue
        level = float(ex.level[k])
        code = int(ex.relation[k])
        if code == 0:
            via_occupation = claimed_row.get(col, 0.0) < level
            matched.append(SkillMatch(uri, labels(uri), level, via_occupation))
        else:
            held = model.skills[int(ex.source[k])]
            partial.append(
                PartialCredit(
                    uri, labels(uri), requirement, level, RELATIONS[code - 1], held, labels(held)
                )
            )
    return tuple(matched), tuple(partial), tuple(missing)


def explain_unassigned(
    features: Features,
    shortlist: Shortlist,
    chosen: Index,
    *,
    min_coverage: float,
    forbidden: frozenset[tuple[str, str]] = frozenset(),
) -> list[Unassigned]:
    """Why each candidate without a chosen edge stays unassigned, sorted by candidate id."""
    g = shortlist.graph
    f = features
    placed = np.zeros(f.n_candidates, dtype=np.bool_)
    placed[g.cand[chosen]] = True
    lowest = np.full(f.n_openings, np.inf)
    np.minimum.at(lowest, g.opening[chosen], g.score[chosen])
    out: dict[int, Unassigned] = {}
    for i, row in enumerate(shortlist.no_eligible.tolist()):
        near = int(shortlist.nearest[i])
        details: dict[str, object] = {
            "openings_excluded_by": {rule: int(shortlist.excluded_by[rule][i]) for rule in RULES},
        }
        if near >= 0:
            c, o = f.candidates[row], f.openings[near]
            outcomes = rule_outcomes(f, row, near, forbidden=(c.id, o.id) in forbidden)
            failed = [(r, d, facts) for r, ok, d, facts in outcomes if not ok]
            details["nearest_opening"] = o.id
            details["binding_rules"] = [
                {"rule": r, "detail": d, **dict(facts)} for r, d, facts in failed
            ]
        out[row] = Unassigned(f.candidates[row].id, "no_eligible_opening", details)
    for i, row in enumerate(shortlist.no_skill.tolist()):
        out[row] = Unassigned(
            f.candidates[row].id,
            "no_skill_match",
            {
                "eligible_openings": int(shortlist.eligible_count[i]),
                "best_coverage": float(shortlist.best_coverage[i]),
                "min_coverage": min_coverage,
            },
        )
    has_edge = np.zeros(f.n_candidates, dtype=np.bool_)
    has_edge[g.cand] = True
    starts = np.searchsorted(g.cand, np.arange(f.n_candidates + 1))
    for row in np.flatnonzero(has_edge & ~placed).tolist():
        a, b = int(starts[row]), int(starts[row + 1])
        order = sorted(range(a, b), key=lambda e: (-float(g.score[e]), int(g.opening[e])))
        shown: list[Mapping[str, object]] = []
        for e in order[:OUTCOMPETED_SHOWN]:
            col = int(g.opening[e])
            low = float(lowest[col])
            entry: dict[str, object] = {
                "opening": f.openings[col].id,
                "score": float(g.score[e]),
            }
            if np.isfinite(low):
                entry["lowest_assigned_score"] = low
                entry["margin"] = low - float(g.score[e])
            else:
                entry["lowest_assigned_score"] = None
                entry["margin"] = None
            shown.append(entry)
        out[row] = Unassigned(
            f.candidates[row].id,
            "outcompeted",
            {"shortlisted_openings": b - a, "openings": shown},
        )
    return [out[row] for row in sorted(out)]
