"""Per-group selection rates and impact ratios, with small groups suppressed.

A group of fewer than ``MIN_GROUP`` members is reported as ``{"suppressed": True}`` with no
numbers, so that nobody in it can be re-identified, and takes no part in the impact ratios.
A group's *impact ratio* is its rate divided by the highest rate among the reported groups
(the "four-fifths rule" of adverse-impact analysis compares it with 0.8).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

__all__ = ["MIN_GROUP", "group_rates", "impact_ratios", "lowest_impact_ratio"]

MIN_GROUP = 10


def group_rates(
    rows: Iterable[tuple[str, bool]], *, min_group: int = MIN_GROUP
) -> dict[str, dict[str, object]]:
    """``{group: {"candidates", "placed", "rate"}}`` (or ``{"suppressed": True}``) from
    ``(group, selected)`` rows; groups in sorted order."""
    total: Counter[str] = Counter()
    placed: Counter[str] = Counter()
    for group, selected in rows:
        total[group] += 1
        placed[group] += selected
    out: dict[str, dict[str, object]] = {}
    for group in sorted(total):
        n = total[group]
        if n < min_group:
            out[group] = {"suppressed": True}
        else:
            out[group] = {"candidates": n, "placed": placed[group], "rate": placed[group] / n}
    return out


def impact_ratios(rates: Mapping[str, Mapping[str, object]]) -> dict[str, float]:
    """Each reported group's rate over the highest reported rate (empty when no group is
    reported or nobody was selected)."""
    reported = {g: r["rate"] for g, r in rates.items() if not r.get("suppressed")}
    values = {g: float(v) for g, v in reported.items() if isinstance(v, int | float)}
    best = max(values.values(), default=0.0)
    if best <= 0.0:
        return {}
    return {group: value / best for group, value in sorted(values.items())}


def lowest_impact_ratio(
    by_dimension: Mapping[str, Mapping[str, Mapping[str, object]]],
) -> tuple[str, str, float] | None:
    """The ``(dimension, group, ratio)`` with the lowest impact ratio over every dimension
    (e.g. ``{"gender": rates, "origin": rates}``), or None when none is reported."""
    lowest: tuple[str, str, float] | None = None
    for dimension in sorted(by_dimension):
        for group, ratio in impact_ratios(by_dimension[dimension]).items():
            if lowest is None or ratio < lowest[2]:
                lowest = (dimension, group, ratio)
    return lowest
