"""Vectorised scoring: sparse skill algebra plus bounded terms (see ``Weights`` for the model).

Matrices (skills are the taxonomy's skill URIs, sorted; rows follow ``Features``):

* ``claimed`` (candidates × skills): the level each candidate claims, in (0, 1];
* ``held``: ``claimed`` raised to ``occupation_confidence`` for every essential skill of a past
  occupation;
* ``related`` (held skill × required skill): the partial-credit factor of the strongest
  relation between the two, ``relation`` its code (``RELATIONS[code - 1]``); columns are
  restricted to the skills some opening requires;
* ``essential`` / ``optional`` (openings × skills): 1/n for each of an opening's n essential
  (optional) skills, so a product with effective levels is a coverage in [0, 1].

Effective level of a required skill = max(held level, max over held skills s of
level(s) × factor(s → skill)): a max-product, computed by expanding the sparse rows in numpy
(never a Python loop over pairs) a block of candidates at a time.

``pair_terms`` computes the six terms from broadcastable row indices, so the block used for
shortlisting and the per-edge scores use the very same float operations; the score is their
sum in ``TERMS`` order, and the breakdown in explanations sums to it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp

from matching._arrays import concat_ranges, find_sorted
from matching.features import Features
from matching.records import Weights
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["RELATIONS", "TERMS", "SkillModel", "pair_terms", "total"]

#: Score terms, in summation order.
TERMS: tuple[str, ...] = (
    "essential_skills",
    "optional_skills",
    "language",
    "eqf",
    "experience",
    "destination",
)
#: Partial-credit relations (held skill relative to the required one), in tie-break priority.
RELATIONS: tuple[str, ...] = (
    "narrower",
    "broader",
    "related_essential",
    "sibling",
    "related_optional",
)

Floats = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Expanded:
    """Effective levels as COO entries, one per (row, skill), sorted by (row, skill).

    ``source`` is the held skill that gave the level and ``relation`` 0 for a direct (or
    occupation) level, else 1 + index into ``RELATIONS``.
    """

    row: npt.NDArray[np.int64]
    skill: npt.NDArray[np.int64]
    level: Floats
    source: npt.NDArray[np.int64]
    relation: npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class SkillModel:
    skills: tuple[str, ...]
    claimed: sp.csr_matrix
    held: sp.csr_matrix
    related: sp.csr_matrix
    relation: sp.csr_matrix
    essential: sp.csr_matrix
    optional: sp.csr_matrix
    requirement_t: sp.csr_matrix
    profile_of: npt.NDArray[np.intp]
    profile_indptr: npt.NDArray[np.int64]
    profile_openings: npt.NDArray[np.int64]
    uses_essential: npt.NDArray[np.bool_]

    @classmethod
    def build(cls, features: Features, taxonomy: Taxonomy, weights: Weights) -> SkillModel:
        skills = taxonomy.uris("skill")
        col = {uri: k for k, uri in enumerate(skills)}
        n_s = len(skills)
        cands = features.candidates
        claimed = _rows_matrix(
            [len(c.skills) for c in cands],
            _columns([s.uri for c in cands for s in c.skills], skills),
            [float(s.level) for c in cands for s in c.skills],
            n_s,
        )
        held = sp.csr_matrix(claimed.maximum(_occupation_levels(features, taxonomy, col, weights)))
        held.sort_indices()
        essential = _requirement([o.essential_skills for o in features.openings], skills)
        optional = _requirement([o.optional_skills for o in features.openings], skills)
        required = np.unique(np.concatenate([essential.indices, optional.indices]))
        related, relation = _relations(taxonomy, col, required, weights)
        uses_essential = np.diff(essential.indptr) > 0
        profiles, profile_of = _profiles(features, uses_essential)
        requirement = _requirement([uris for _, uris in profiles], skills)
        order = np.lexsort((np.arange(features.n_openings), profile_of))
        indptr = np.searchsorted(profile_of[order], np.arange(len(profiles) + 1)).astype(np.int64)
        return cls(
            skills=skills,
            claimed=claimed,
            held=held,
            related=related,
            relation=relation,
            essential=essential,
            optional=optional,
            requirement_t=sp.csr_matrix(requirement.T),
            profile_of=profile_of.astype(np.intp),
            profile_indptr=indptr,
            profile_openings=order.astype(np.int64),
            uses_essential=uses_essential,
        )

    def expand(self, rows: Index, *, provenance: bool) -> Expanded:
        """Effective levels of candidates ``rows`` (result rows are positions in ``rows``)."""
        block = self.held[rows]
        counts = np.diff(block.indptr)
        d_row = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
        d_skill = block.indices.astype(np.int64)
        d_level = block.data.astype(np.float64)
        r = self.related
        starts = r.indptr[d_skill]
        sizes = r.indptr[d_skill + 1] - starts
        offsets = concat_ranges(starts, sizes)
        row = np.concatenate([d_row, np.repeat(d_row, sizes)])
        skill = np.concatenate([d_skill, r.indices[offsets].astype(np.int64)])
        level = np.concatenate([d_level, np.repeat(d_level, sizes) * r.data[offsets]])
        key = row * len(self.skills) + skill
        if not provenance:
            order = np.argsort(key, kind="stable")
            key_sorted = key[order]
            # a block without any skill has no key, hence no group (not one empty group)
            first = np.flatnonzero(np.r_[len(key) > 0, key_sorted[1:] != key_sorted[:-1]])
            best = np.maximum.reduceat(level[order], first) if len(key) else level
            k = key_sorted[first]
            return Expanded(
                row=k // len(self.skills),
                skill=k % len(self.skills),
                level=best,
                source=np.zeros(0, dtype=np.int64),
                relation=np.zeros(0, dtype=np.int8),
            )
        source = np.concatenate([d_skill, np.repeat(d_skill, sizes)])
        code = np.concatenate(
            [np.zeros(len(d_row), dtype=np.int8), self.relation.data[offsets].astype(np.int8)]
        )
        # Best level per key; ties go to the direct level, then the relation listed first.
        order = np.lexsort((-code, level, key))
        key_sorted = key[order]
        last = np.flatnonzero(np.r_[key_sorted[1:] != key_sorted[:-1], len(key) > 0])
        pick = order[last]
        return Expanded(
            row=row[pick],
            skill=skill[pick],
            level=level[pick],
            source=source[pick],
            relation=code[pick],
        )

    def effective(self, ex: Expanded, n_rows: int) -> sp.csr_matrix:
        """The expansion as a CSR matrix (``n_rows`` × skills)."""
        indptr = np.searchsorted(ex.row, np.arange(n_rows + 1))
        return sp.csr_matrix((ex.level, ex.skill, indptr), shape=(n_rows, len(self.skills)))

    def pair_coverage(
        self, ex: Expanded, matrix: sp.csr_matrix, row: Index, opening: Index
    ) -> Floats:
        """Σ_t matrix[opening, t] × effective level[row, t], per pair (rows index ``ex``)."""
        starts = matrix.indptr[opening]
        sizes = matrix.indptr[opening + 1] - starts
        offsets = concat_ranges(starts, sizes)
        key = np.repeat(row.astype(np.int64), sizes) * len(self.skills) + matrix.indices[offsets]
        found = find_sorted(ex.row * len(self.skills) + ex.skill, key)
        level = np.append(ex.level, 0.0)[found]  # not found (-1): the appended 0
        pair = np.repeat(np.arange(len(row)), sizes)
        sums = np.bincount(pair, weights=matrix.data[offsets] * level, minlength=len(row))
        return sums.astype(np.float64, copy=False)


def _profiles(
    features: Features, uses_essential: npt.NDArray[np.bool_]
) -> tuple[list[tuple[bool, tuple[str, ...]]], npt.NDArray[np.int64]]:
    """Distinct requirement sets (essential skills, or optional ones when there are none),
    sorted; ``profile_of[o]`` is the profile of opening ``o``."""
    keys = [
        (True, tuple(sorted(o.essential_skills)))
        if uses_essential[j]
        else (False, tuple(sorted(o.optional_skills)))
        for j, o in enumerate(features.openings)
    ]
    profiles = sorted(set(keys))
    index = {key: k for k, key in enumerate(profiles)}
    return profiles, np.array([index[key] for key in keys], dtype=np.int64)


def pair_terms(
    features: Features,
    weights: Weights,
    cand: Index,
    opening: Index,
    essential: Floats,
    optional: Floats,
) -> tuple[Floats, ...]:
    """The six terms of ``TERMS`` for broadcastable row indices and coverages.

    The caller applies eligibility; terms are computed as if the pair were eligible (margins
    below a minimum count as 0).
    """
    f, w = features, weights
    shape = np.broadcast_shapes(cand.shape, opening.shape, essential.shape)
    margin = np.full(shape, np.iinfo(np.int16).max, dtype=np.int16)
    has_requirement = np.zeros(opening.shape, dtype=np.bool_)
    for k in range(len(f.languages)):
        need = f.required_rank[opening, k]
        gap = f.held_rank[cand, k].astype(np.int16) - need
        margin = np.minimum(margin, np.where(need > 0, gap, np.iinfo(np.int16).max))
        has_requirement |= need > 0
    lang_cap = float(w.language_margin_cap)
    language = np.where(
        has_requirement, w.language * (np.clip(margin, 0, lang_cap) / lang_cap), 0.0
    )
    eqf_cap = float(w.eqf_margin_cap)
    eqf_gap = f.eqf[cand].astype(np.int16) - f.min_eqf[opening]
    eqf = w.eqf * (np.clip(eqf_gap, 0, eqf_cap) / eqf_cap)
    experience = w.experience * -np.expm1(-f.experience[cand] / w.experience_scale)
    rank = f.destination_rank[cand, f.country[opening]].astype(np.float64)
    destination = np.where(rank > 0, w.destination / np.maximum(rank, 1.0), 0.0)
    return tuple(
        np.broadcast_to(np.asarray(term, dtype=np.float64), shape)
        for term in (
            w.essential * essential,
            w.optional * optional,
            language,
            eqf,
            experience,
            destination,
        )
    )


def total(terms: tuple[Floats, ...]) -> Floats:
    """Sum of the terms in ``TERMS`` order (the one summation used everywhere)."""
    result = terms[0] + terms[1]
    for term in terms[2:]:
        result = result + term
    return result


def _rows_matrix(
    counts: Sequence[int] | npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    values: Sequence[float] | Floats,
    n_cols: int,
) -> sp.csr_matrix:
    """CSR matrix from per-row entry counts and the flattened columns and values."""
    sizes = np.asarray(counts, dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    m = sp.csr_matrix(
        (np.asarray(values, dtype=np.float64), cols, indptr), shape=(len(sizes), n_cols)
    )
    m.sort_indices()
    return m


def _requirement(groups: Sequence[Sequence[str]], skills: tuple[str, ...]) -> sp.csr_matrix:
    """One row per group of skill URIs, 1/n for each of its n skills."""
    counts = np.array([len(g) for g in groups], dtype=np.int64)
    return _rows_matrix(
        counts,
        _columns([uri for g in groups for uri in g], skills),
        np.repeat(1.0 / np.maximum(counts, 1), counts),
        len(skills),
    )


def _columns(uris: list[str], skills: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """Column of each URI in the sorted ``skills`` (all known: validated at the entry)."""
    physical = pl.Series(uris, dtype=pl.Enum(skills)).to_physical().to_numpy()
    return physical.astype(np.int64)


def _occupation_levels(
    features: Features, taxonomy: Taxonomy, col: dict[str, int], weights: Weights
) -> sp.csr_matrix:
    n_c, n_s = features.n_candidates, len(col)
    held_occ = sorted({uri for c in features.candidates for uri in c.occupations})
    if not held_occ:
        return sp.csr_matrix((n_c, n_s), dtype=np.float64)
    occ_col = {uri: k for k, uri in enumerate(held_occ)}
    links = taxonomy.occupation_skills.filter(
        (pl.col("relation") == "essential") & pl.col("occupation_uri").is_in(held_occ)
    )
    occ = sp.csr_matrix(
        (
            np.ones(links.height),
            (
                np.array([occ_col[u] for u in links["occupation_uri"].to_list()], dtype=np.int64),
                np.array([col[u] for u in links["skill_uri"].to_list()], dtype=np.int64),
            ),
        ),
        shape=(len(held_occ), n_s),
    )
    p_rows = [i for i, c in enumerate(features.candidates) for _ in c.occupations]
    p_cols = [occ_col[u] for c in features.candidates for u in c.occupations]
    past = sp.csr_matrix(
        (
            np.ones(len(p_rows)),
            (np.array(p_rows, dtype=np.int64), np.array(p_cols, dtype=np.int64)),
        ),
        shape=(n_c, len(held_occ)),
    )
    implied = sp.csr_matrix(past @ occ)
    implied.data[:] = weights.occupation_confidence
    return implied


def _relations(
    taxonomy: Taxonomy, col: dict[str, int], required: npt.NDArray[np.int32], weights: Weights
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(factor, relation code) matrices: held skill × required skill, best relation per pair."""
    n_s = len(col)
    skills = list(col)
    wanted = set(required.tolist())
    required_uris = [uri for uri, k in col.items() if k in wanted]
    factor = {name: float(getattr(weights, name)) for name in RELATIONS}
    broader = taxonomy.broader_relations.filter(pl.col("uri").is_in(skills))
    among_skills = broader.filter(pl.col("broader_uri").is_in(skills))
    group_size = broader.group_by("broader_uri").agg(pl.len().alias("size"))
    small = broader.join(group_size, on="broader_uri").filter(
        pl.col("size") <= weights.sibling_group_max
    )
    siblings = (
        small.join(small.select("uri", "broader_uri"), on="broader_uri", suffix="_other")
        .filter(pl.col("uri") != pl.col("uri_other"))
        .select(held=pl.col("uri"), required=pl.col("uri_other"))
    )
    rel = taxonomy.skill_relations
    parts = [
        among_skills.select(held="uri", required="broader_uri").with_columns(
            name=pl.lit("narrower")
        ),
        among_skills.select(held="broader_uri", required="uri").with_columns(
            name=pl.lit("broader")
        ),
        siblings.with_columns(name=pl.lit("sibling")),
        rel.select(held="skill_uri", required="related_uri", name="relation"),
        rel.select(held="related_uri", required="skill_uri", name="relation"),
    ]
    frame = (
        pl.concat(parts)
        .with_columns(
            name=pl.when(pl.col("name") == "essential")
            .then(pl.lit("related_essential"))
            .when(pl.col("name") == "optional")
            .then(pl.lit("related_optional"))
            .otherwise(pl.col("name"))
        )
        .filter(pl.col("required").is_in(required_uris) & (pl.col("held") != pl.col("required")))
        .with_columns(
            factor=pl.col("name").replace_strict(factor, return_dtype=pl.Float64),
            code=pl.col("name").replace_strict(
                {name: k + 1 for k, name in enumerate(RELATIONS)}, return_dtype=pl.Int8
            ),
        )
        .filter(pl.col("factor") > 0)
        .sort(["held", "required", "factor", "code"], descending=[False, False, True, False])
        .unique(subset=["held", "required"], keep="first", maintain_order=True)
    )
    held_idx = np.array([col[u] for u in frame["held"].to_list()], dtype=np.int64)
    req_idx = np.array([col[u] for u in frame["required"].to_list()], dtype=np.int64)
    shape = (n_s, n_s)
    factors = sp.csr_matrix((frame["factor"].to_numpy(), (held_idx, req_idx)), shape=shape)
    codes = sp.csr_matrix(
        (frame["code"].to_numpy().astype(np.float64), (held_idx, req_idx)), shape=shape
    )
    factors.sort_indices()
    codes.sort_indices()
    return factors, codes
