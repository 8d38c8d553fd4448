"""Candidate profiles as agencies write them, for the benchmarks that post or normalise many.

``candidate_pool(taxonomy, size=..., seed=...)`` is the demo programme's generator
(``api.demo_data``: French, Arabic and English free text, abbreviations and typos) for a fixed
seed; a load cycles through it so that the normaliser sees the repeats a real programme has,
not one profile again and again. ``text_repeats(profiles)`` (the free-text fields, as
``api.routes._concepts.texts_of`` reads them) says how many of the skill and
occupation texts a profile-at-a-time normaliser is asked for were asked for before — the hit
rate of a memo large enough to keep them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from api.demo_data import generate
from api.esco_normaliser import FIELD_KINDS, split_items
from api.models.candidates import CandidateCreate
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["TextRepeats", "candidate_pool", "text_repeats"]


class TextRepeats(NamedTuple):
    """Skill and occupation texts over a sequence of profiles, each normalised on its own."""

    #: Distinct (kind, text) per profile, summed: the normaliser's look-ups.
    asked: int
    #: Distinct (kind, text) over all the profiles, less those asked before them: the look-ups
    #: that cannot be repeats.
    distinct: int

    @property
    def repeat_rate(self) -> float:
        return 1 - self.distinct / self.asked if self.asked else 0.0

    def describe(self) -> str:
        return (
            f"{self.asked} skill/occupation texts asked, {self.distinct} distinct: "
            f"{self.repeat_rate:.1%} repeats (the hit rate of a memo that keeps them all)"
        )


def candidate_pool(taxonomy: Taxonomy, *, size: int, seed: int) -> list[CandidateCreate]:
    """``size`` candidate bodies of the demo programme for ``seed`` (deterministic)."""
    programme = generate(
        taxonomy, seed=seed, candidates=size, employers=4, vacancies=0, trainings=0
    )
    return [body for _agency, body in programme.candidates]


def text_repeats(
    profiles: Sequence[Mapping[str, str]], *, after: Sequence[Mapping[str, str]] = ()
) -> TextRepeats:
    """Over ``profiles``' free-text fields (``texts_of``, as the create route reads them);
    the texts of the profiles ``after`` which they come count as asked before (not counted)."""
    seen = set(_texts(after))
    asked = 0
    for profile in profiles:
        own = _texts([profile])
        asked += len(own)
        seen |= own
    return TextRepeats(asked=asked, distinct=len(seen) - len(_texts(after)))


def _texts(profiles: Sequence[Mapping[str, str]]) -> set[tuple[str, str]]:
    """Distinct (kind, item) of ``profiles``' skill and occupation fields."""
    kinds = FIELD_KINDS["candidate"]
    return {
        (kinds[field], item)
        for profile in profiles
        for field, text in profile.items()
        if kinds.get(field) in ("skill", "occupation")
        for item in split_items(text)
    }
