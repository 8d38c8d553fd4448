"""CEFR level ranks used by the core (private; to be replaced by ``skills_taxonomy.cefr``).

Ranks: no level 0, A1 1, A2 2, B1 3, B2 4, C1 5, C2 6, native 7.
"""

from __future__ import annotations

__all__ = ["CEFR_LEVELS", "cefr_rank", "normalise_level"]

CEFR_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
_RANK: dict[str, int] = {level: rank for rank, level in enumerate(CEFR_LEVELS, start=1)}


def normalise_level(text: str) -> str | None:
    """The canonical spelling of a CEFR level ("b1" → "B1", "Native" → "native"), or None."""
    cleaned = text.strip()
    if cleaned.lower() == "native":
        return "native"
    upper = cleaned.upper()
    return upper if upper in _RANK else None


def cefr_rank(level: str) -> int:
    """Rank of a canonical level (see the module docstring); KeyError for anything else."""
    return _RANK[level]
