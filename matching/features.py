"""Candidates and openings as column arrays, indexed by their sorted ids.

Ids are sorted before they become row numbers, so the order of the input records changes
nothing downstream. These arrays feed both the bounded score terms (``matching.scoring``) and
the hard rules (``matching.eligibility``); every function there takes row-index arrays that
broadcast (a block ``(b, 1)`` × ``(1, n)`` or one entry per edge).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching._cefr import CEFR_LEVELS, cefr_rank
from matching.records import Candidate, Opening

__all__ = ["Features", "day_number", "level_name"]

_EPOCH = dt.date(1970, 1, 1)
NO_DATE_EARLY = np.iinfo(np.int32).min
NO_DATE_LATE = np.iinfo(np.int32).max


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


def level_name(rank: int) -> str:
    """ "none" for 0, else the CEFR level of ``rank``."""
    return "none" if rank == 0 else CEFR_LEVELS[rank - 1]


@dataclass(frozen=True, slots=True)
class Features:
    """Row ``i`` of a candidate array is ``candidates[i]`` (sorted by id); likewise openings.

    ``languages``: the languages some opening requires (sorted); ``held_rank`` /
    ``required_rank`` hold CEFR ranks (0: none). ``available`` / ``start``: day numbers
    (None → far past / far future). ``destination_rank[c, k]``: 1-based position of country
    ``countries[k]`` in the candidate's destinations, 0 when not listed; its last column is for
    openings whose country no candidate listed. ``country[o]``: column of opening ``o``.
    """

    candidates: tuple[Candidate, ...]
    openings: tuple[Opening, ...]
    candidate_row: dict[str, int]
    opening_row: dict[str, int]
    languages: tuple[str, ...]
    held_rank: npt.NDArray[np.int8]
    required_rank: npt.NDArray[np.int8]
    eqf: npt.NDArray[np.int8]
    min_eqf: npt.NDArray[np.int8]
    experience: npt.NDArray[np.float64]
    available: npt.NDArray[np.int32]
    start: npt.NDArray[np.int32]
    countries: tuple[str, ...]
    destination_rank: npt.NDArray[np.int16]
    has_destinations: npt.NDArray[np.bool_]
    country: npt.NDArray[np.int32]
    capacity: npt.NDArray[np.int64]

    @classmethod
    def build(cls, candidates: Sequence[Candidate], openings: Sequence[Opening]) -> Features:
        cands = tuple(sorted(candidates, key=lambda c: c.id))
        opens = tuple(sorted(openings, key=lambda o: o.id))
        languages = tuple(sorted({lv.language for o in opens for lv in o.min_languages}))
        lang_col = {lang: k for k, lang in enumerate(languages)}
        held = np.zeros((len(cands), len(languages)), dtype=np.int8)
        for i, c in enumerate(cands):
            for lv in c.languages:
                k = lang_col.get(lv.language)
                if k is not None:
                    held[i, k] = cefr_rank(lv.level)
        required = np.zeros((len(opens), len(languages)), dtype=np.int8)
        for j, o in enumerate(opens):
            for lv in o.min_languages:
                required[j, lang_col[lv.language]] = cefr_rank(lv.level)
        countries = tuple(sorted({d for c in cands for d in c.destinations}))
        country_col = {country: k for k, country in enumerate(countries)}
        dest = np.zeros((len(cands), len(countries) + 1), dtype=np.int16)
        for i, c in enumerate(cands):
            for r, d in enumerate(c.destinations, start=1):
                dest[i, country_col[d]] = r
        return cls(
            candidates=cands,
            openings=opens,
            candidate_row={c.id: i for i, c in enumerate(cands)},
            opening_row={o.id: j for j, o in enumerate(opens)},
            languages=languages,
            held_rank=held,
            required_rank=required,
            eqf=np.array([c.eqf for c in cands], dtype=np.int8),
            min_eqf=np.array([o.min_eqf for o in opens], dtype=np.int8),
            experience=np.array([c.experience_years for c in cands], dtype=np.float64),
            available=np.array(
                [
                    NO_DATE_EARLY if c.available_from is None else day_number(c.available_from)
                    for c in cands
                ],
                dtype=np.int32,
            ),
            start=np.array(
                [NO_DATE_LATE if o.start is None else day_number(o.start) for o in opens],
                dtype=np.int32,
            ),
            countries=countries,
            destination_rank=dest,
            has_destinations=np.array([bool(c.destinations) for c in cands], dtype=np.bool_),
            country=np.array(
                [country_col.get(o.country, len(countries)) for o in opens], dtype=np.int32
            ),
            capacity=np.array([o.capacity for o in opens], dtype=np.int64),
        )

    @property
    def n_candidates(self) -> int:
        return len(self.candidates)

    @property
    def n_openings(self) -> int:
        return len(self.openings)
