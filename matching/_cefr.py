"""CEFR levels for the core, from ``skills_taxonomy.cefr`` (one source of truth).

Ranks: no level 0, A1 1, A2 2, B1 3, B2 4, C1 5, C2 6, native 7. The rank table is built once
from ``skills_taxonomy.cefr`` so that ranking a level is a dictionary lookup.
"""

from __future__ import annotations

from skills_taxonomy.cefr import CEFR_LEVELS, InvalidLevelError, parse_cefr_code
from skills_taxonomy.cefr import cefr_rank as _rank_of

__all__ = ["CEFR_LEVELS", "cefr_rank", "normalise_level"]

_RANK: dict[str, int] = {level: _rank_of(level) for level in CEFR_LEVELS}


def normalise_level(text: str) -> str | None:
    """The canonical spelling of a CEFR level ("b1" → "B1", "Native" → "native"), or None."""
    try:
        return parse_cefr_code(text)
    except InvalidLevelError:
        return None


def cefr_rank(level: str) -> int:
    """Rank of a canonical level (see the module docstring); KeyError for anything else."""
    return _RANK[level]
