"""Hard rules that exclude a pair before solving, each with a reason code.

Every mask function takes row-index arrays that broadcast (a block of candidates ``(b, 1)``
against all openings ``(1, n)``, or one entry per edge) and returns True where the rule
passes. Rule codes:

* ``language_below_minimum``: a language the opening requires is held below its level
  (a language not held at all counts as below A1);
* ``eqf_below_minimum``: the candidate's EQF level is below the opening's ``min_eqf``;
* ``destination_refused``: the candidate listed destinations and the opening's country is not
  among them (an empty list accepts every country);
* ``not_available_by_start``: the candidate is available only after the opening starts;
* ``forbidden_pair``: staff forbade the pair (``Policy.forbidden``).

Gender and origin are never read here. An opening with capacity 0 takes nobody; it is not a
rule failure but is never an edge. What makes an *edge* of the solver graph: an eligible pair
whose skill terms are positive (at least one essential or optional skill covered, directly or
through a related skill), plus every locked pair. ``rule_outcomes`` explains one pair in words.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from matching.features import NO_DATE_EARLY, NO_DATE_LATE, Features, level_name

__all__ = ["FORBIDDEN", "RULES", "eligible", "rule_masks", "rule_outcomes"]

#: The rule codes computed from the records, in reporting order.
RULES: tuple[str, ...] = (
    "language_below_minimum",
    "eqf_below_minimum",
    "destination_refused",
    "not_available_by_start",
)
FORBIDDEN = "forbidden_pair"

Index = npt.NDArray[np.intp]
Mask = npt.NDArray[np.bool_]


def rule_masks(features: Features, cand: Index, opening: Index) -> dict[str, Mask]:
    """Rule code → True where the pair passes (forbidden pairs are handled by the caller)."""
    f = features
    language: Mask = np.ones(np.broadcast_shapes(cand.shape, opening.shape), dtype=np.bool_)
    for k in range(len(f.languages)):
        language &= f.held_rank[cand, k] >= f.required_rank[opening, k]
    has_dest = f.has_destinations[cand]
    listed = f.destination_rank[cand, f.country[opening]] > 0
    return {
        "language_below_minimum": language,
        "eqf_below_minimum": f.eqf[cand] >= f.min_eqf[opening],
        "destination_refused": ~has_dest | listed,
        "not_available_by_start": f.available[cand] <= f.start[opening],
    }


def eligible(features: Features, cand: Index, opening: Index) -> Mask:
    """True where every rule of ``RULES`` passes."""
    masks = iter(rule_masks(features, cand, opening).values())
    result = next(masks).copy()
    for mask in masks:
        result &= mask
    return result


def rule_outcomes(
    features: Features, cand: int, opening: int, *, forbidden: bool
) -> tuple[tuple[str, bool, str, Mapping[str, object]], ...]:
    """Per rule: (code, passed, detail in words, JSON-ready facts) for one pair."""
    f = features
    c, o = f.candidates[cand], f.openings[opening]
    out: list[tuple[str, bool, str, Mapping[str, object]]] = []
    for k, lang in enumerate(f.languages):
        need = int(f.required_rank[opening, k])
        if need == 0:
            continue
        has = int(f.held_rank[cand, k])
        ok = has >= need
        detail = f"needs {lang} {level_name(need)}, has {level_name(has)}"
        facts = {"language": lang, "required": level_name(need), "held": level_name(has)}
        out.append(("language_below_minimum", ok, detail, facts))
    ok = c.eqf >= o.min_eqf
    out.append(
        (
            "eqf_below_minimum",
            ok,
            f"needs EQF {o.min_eqf}, has {c.eqf}",
            {"required": o.min_eqf, "held": c.eqf},
        )
    )
    if c.destinations:
        ok = o.country in c.destinations
        detail = f"{o.country or 'unknown country'} {'is' if ok else 'is not'} among " + (
            ", ".join(c.destinations)
        )
    else:
        ok, detail = True, "accepts every destination"
    out.append(
        (
            "destination_refused",
            ok,
            detail,
            {"country": o.country, "destinations": list(c.destinations)},
        )
    )
    avail, start = int(f.available[cand]), int(f.start[opening])
    if avail == NO_DATE_EARLY or start == NO_DATE_LATE:
        out.append(("not_available_by_start", True, "no date constraint", {}))
    else:
        late = avail - start
        ok = late <= 0
        detail = "available by the start" if ok else f"available {late} days after the start"
        out.append(
            (
                "not_available_by_start",
                ok,
                detail,
                {
                    "available_from": str(c.available_from),
                    "start": str(o.start),
                    "days_late": max(late, 0),
                },
            )
        )
    out.append(
        (FORBIDDEN, not forbidden, "forbidden by policy" if forbidden else "not forbidden", {})
    )
    return tuple(out)
