"""Scores and explanations of pairs a round did not propose (staff overrides, re-optimised
placements), computed by the matching core on just those pairs.

``score_pairs`` runs ``matching.run_round`` over the pairs' candidates and openings with every
pair locked (locks are scored whatever the eligibility rules; their explanation lists any rule
they override), under the round's weights — the same score and explanation the round would
have given the pair. Each candidate may appear in one pair only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlmodel import Session

import matching
from api.esco_normaliser import bundled_normalizer
from api.round_store import read_records
from api.round_worker import result_json
from matching import run_round
from matching.io import policy_from_dict
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["PairScore", "bundled_taxonomy", "score_pairs", "score_records"]

#: A pair's score and its explanation (``matching.Explanation`` as JSON).
PairScore = tuple[float, dict[str, Any]]


@lru_cache(maxsize=1)
def bundled_taxonomy() -> Taxonomy:
    """The bundled ESCO taxonomy (the one round workers load), read once per process — or the
    bundled normaliser's, when this process has built it (no second copy, ~85 MB)."""
    if bundled_normalizer.cache_info().currsize:
        return bundled_normalizer().taxonomy
    return Taxonomy.load_bundled()


def score_pairs(
    session: Session,
    pairs: Sequence[tuple[int, int]],
    *,
    policy: Mapping[str, Any],
    taxonomy: Taxonomy | None = None,
) -> dict[tuple[int, int], PairScore]:
    """``{(candidate id, opening id): (score, explanation)}`` for ``pairs`` that still exist."""
    if not pairs:
        return {}
    candidates, openings = read_records(
        session,
        candidate_ids={c for c, _ in pairs},
        opening_ids={o for _, o in pairs},
    )
    return score_records(candidates, openings, pairs, policy=policy, taxonomy=taxonomy)


def score_records(
    candidates: Sequence[matching.Candidate],
    openings: Sequence[matching.Opening],
    pairs: Sequence[tuple[int, int]],
    *,
    policy: Mapping[str, Any],
    taxonomy: Taxonomy | None = None,
) -> dict[tuple[int, int], PairScore]:
    """``score_pairs`` over records already read (no database: run it outside transactions)."""
    known_c = {c.id for c in candidates}
    known_o = {o.id for o in openings}
    locks = tuple(
        sorted((str(c), str(o)) for c, o in pairs if str(c) in known_c and str(o) in known_o)
    )
    if not locks:
        return {}
    base = policy_from_dict({k: v for k, v in policy.items() if k in _SCORING_KEYS})
    scoped = dataclasses.replace(base, mode="optimal", locks=locks, forbidden=(), quotas=())
    wanted_c = {c for c, _ in locks}
    wanted_o = {o for _, o in locks}
    result = run_round(
        [c for c in candidates if c.id in wanted_c],
        [o for o in openings if o.id in wanted_o],
        scoped,
        taxonomy=taxonomy if taxonomy is not None else bundled_taxonomy(),
    )
    wanted = set(locks)
    return {
        (int(a["candidate"]), int(a["opening"])): (float(a["score"]), a["explanation"])
        for a in result_json(result)["assignments"]
        if (a["candidate"], a["opening"]) in wanted
    }


#: Policy keys that change a pair's score (the rest concern the solver).
_SCORING_KEYS = frozenset({"weights", "shortlist", "training_discount"})
