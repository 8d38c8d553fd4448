"""Explanations: why each assignment scores what it scores, and why a candidate is unassigned.

Computed only for the pairs that need them (the assigned pairs, and the best shortlisted
openings of outcompeted candidates), vectorised over those pairs: one provenance-tracking
expansion of the candidates' effective skills, then a lookup per required skill.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matching._arrays import concat_ranges, find_sorted
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
_R = TypeVar("_R")
#: How many shortlisted openings an "outcompeted" explanation lists.
OUTCOMPETED_SHOWN = 3


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
    skills = _SkillTable(model, taxonomy)
    ess = _Required.lookup(model, model.essential, ex, cand, opening, upos)
    opt = _Required.lookup(model, model.optional, ex, cand, opening, upos)
    terms = zip(*(t[edges].tolist() for t in shortlist.terms), strict=True)
    locked = g.locked[edges].tolist()
    outcome = _Interned(RuleOutcome)
    out: list[Explanation] = []
    for p, (c_row, o_row, values) in enumerate(
        zip(cand.tolist(), opening.tolist(), terms, strict=True)
    ):
        matched_e, partial, missing = skills.split(ess, p, "essential")
        matched_o, partial_o, _ = skills.split(opt, p, "optional")
        c, o = features.candidates[c_row], features.openings[o_row]
        rules = rule_outcomes(features, c_row, o_row, forbidden=(c.id, o.id) in forbidden)
        out.append(
            Explanation(
                terms=tuple(zip(TERMS, values, strict=True)),
                matched_essential=matched_e,
                matched_optional=matched_o,
                partial_credits=partial + partial_o,
                missing_essential=missing,
                rules=tuple(outcome(r, ok, d) for r, ok, d, _ in rules),
                locked=locked[p],
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Required:
    """Required skills of each explained pair, flattened: pair p owns ``[start[p], start[p+1])``.

    Per entry: the skill column, the candidate's effective level (0 when missing), the
    relation code that gave it (-1 when missing), the held skill it came from, and whether the
    level comes from a past occupation rather than a claim. Plain lists, for the Python loop.
    """

    start: list[int]
    skill: list[int]
    level: list[float]
    code: list[int]
    source: list[int]
    via_occupation: list[bool]

    @classmethod
    def lookup(
        cls,
        model: SkillModel,
        req: sp.csr_matrix,
        ex: Expanded,
        cand: Index,
        opening: Index,
        upos: Index,
    ) -> _Required:
        n_s = len(model.skills)
        starts = req.indptr[opening]
        sizes = req.indptr[opening + 1] - starts
        offsets = concat_ranges(starts, sizes)
        skill = req.indices[offsets].astype(np.int64)
        key = np.repeat(upos.astype(np.int64), sizes) * n_s + skill
        found = find_sorted(ex.row * n_s + ex.skill, key)
        hit = found >= 0
        # not found (-1) picks the appended default; ``ex`` may be empty (skill-less users)
        level = np.append(ex.level, 0.0)[found]
        code = np.append(ex.relation, np.int8(-1))[found]
        source = np.append(ex.source, -1)[found]
        claimed = model.claimed
        c_key = np.repeat(np.arange(claimed.shape[0], dtype=np.int64), np.diff(claimed.indptr))
        c_found = find_sorted(c_key * n_s + claimed.indices, np.repeat(cand, sizes) * n_s + skill)
        claimed_level = np.append(claimed.data, 0.0)[c_found]
        return cls(
            start=np.concatenate([[0], np.cumsum(sizes)]).tolist(),
            skill=skill.tolist(),
            level=level.tolist(),
            code=code.tolist(),
            source=source.tolist(),
            via_occupation=(hit & (code == 0) & (claimed_level < level)).tolist(),
        )


class _Interned(Generic[_R]):
    """One shared instance of a frozen record per distinct field values: explanations repeat
    the same skills, credits and rule outcomes many times over, and sharing them spares the
    allocations (and the garbage collector's passes over them)."""

    def __init__(self, make: Callable[..., _R]) -> None:
        self._make = make
        self._seen: dict[tuple[object, ...], _R] = {}

    def __call__(self, *values: object) -> _R:
        found = self._seen.get(values)
        if found is None:
            found = self._make(*values)
            # 0.0 == -0.0 as keys, yet they encode differently: zero floats are never shared
            if not any(isinstance(v, float) and not v for v in values):
                self._seen[values] = found
        return found


class _SkillTable:
    """Skill columns as records (URI and English label looked up once per column)."""

    def __init__(self, model: SkillModel, taxonomy: Taxonomy) -> None:
        self._uris = model.skills
        self._taxonomy = taxonomy
        self._refs: dict[int, SkillRef] = {}
        self._match = _Interned(SkillMatch)
        self._partial = _Interned(PartialCredit)

    def ref(self, col: int) -> SkillRef:
        found = self._refs.get(col)
        if found is None:
            uri = self._uris[col]
            found = self._refs[col] = SkillRef(uri, self._taxonomy.preferred_label(uri))
        return found

    def split(
        self, req: _Required, p: int, requirement: Literal["essential", "optional"]
    ) -> tuple[tuple[SkillMatch, ...], tuple[PartialCredit, ...], tuple[SkillRef, ...]]:
        matched: list[SkillMatch] = []
        partial: list[PartialCredit] = []
        missing: list[SkillRef] = []
        for i in range(req.start[p], req.start[p + 1]):
            need = self.ref(req.skill[i])
            code = req.code[i]
            if code < 0:
                missing.append(need)
            elif code == 0:
                matched.append(
                    self._match(need.uri, need.label, req.level[i], req.via_occupation[i])
                )
            else:
                held = self.ref(req.source[i])
                partial.append(
                    self._partial(
                        need.uri,
                        need.label,
                        requirement,
                        req.level[i],
                        RELATIONS[code - 1],
                        held.uri,
                        held.label,
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
    waiting = np.zeros(f.n_candidates, dtype=np.bool_)
    waiting[g.cand] = True
    waiting[g.cand[chosen]] = False
    mine = np.flatnonzero(waiting[g.cand])  # edges of outcompeted candidates
    # ties by opening: the edges' own order (sorted by (cand, opening)), kept by the stable sort
    order = mine[np.lexsort((-g.score[mine], g.cand[mine]))]
    rows = g.cand[order]
    rank = np.arange(len(order)) - np.searchsorted(rows, rows)
    counts = np.bincount(rows, minlength=f.n_candidates).tolist()
    shown_edges = order[rank < OUTCOMPETED_SHOWN]
    shown_rows = g.cand[shown_edges].tolist()
    shown_open = g.opening[shown_edges].tolist()
    shown_score = g.score[shown_edges].tolist()
    shown_low = lowest[g.opening[shown_edges]].tolist()
    opening_ids = [o.id for o in f.openings]
    by_row: dict[int, list[Mapping[str, object]]] = {}
    for row, col, score, low in zip(shown_rows, shown_open, shown_score, shown_low, strict=True):
        finite = low != np.inf
        by_row.setdefault(row, []).append(
            {
                "opening": opening_ids[col],
                "score": score,
                "lowest_assigned_score": low if finite else None,
                "margin": low - score if finite else None,
            }
        )
    for row, shown in by_row.items():
        out[row] = Unassigned(
            f.candidates[row].id,
            "outcompeted",
            {"shortlisted_openings": counts[row], "openings": shown},
        )
    return [out[row] for row in sorted(out)]
