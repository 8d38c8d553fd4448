"""What changed since a round: the input of a re-optimisation (``matching.reoptimise``).

JSON shape (every key optional)::

    {"dropouts":     ["c3"],                   candidates who left the programme
     "capacity":     {"v2": 4},                new number of places of existing openings
     "new_openings": [{"id": "v9", ...}],      openings added (the ``matching.io`` shape)
     "locks":        [["c1", "v1"]],           pairs staff now impose
     "forbidden":    [["c2", "v1"]],           pairs that must no longer be used
     "accepted":     [["c5", "v9"]]}           placements the candidate accepted (kept as locks)

Entries are named in errors by their key and position (``changes: field 'dropouts[2]'``).
Parsing checks types only; ``matching.reoptimise`` checks the ids against the round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matching.errors import InvalidRecordError
from matching.io import opening_from_dict
from matching.records import Opening

__all__ = ["Changes", "changes_from_dict"]

_KEYS = ("dropouts", "capacity", "new_openings", "locks", "forbidden", "accepted")
Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Changes:
    """Changes to apply to a previous round (see the module docstring for each field)."""

    dropouts: tuple[str, ...] = ()
    capacity: tuple[tuple[str, int], ...] = ()
    new_openings: tuple[Opening, ...] = ()
    locks: tuple[Pair, ...] = ()
    forbidden: tuple[Pair, ...] = ()
    accepted: tuple[Pair, ...] = ()


def changes_from_dict(raw: Mapping[str, object]) -> Changes:
    """``Changes`` from the JSON shape; a wrong type raises ``InvalidRecordError``."""
    for key in raw:
        if key not in _KEYS:
            raise InvalidRecordError(
                "changes", key, f"unknown field; expected one of {', '.join(_KEYS)}"
            )
    dropouts = tuple(
        _string(item, f"dropouts[{k}]") for k, item in enumerate(_list(raw, "dropouts"))
    )
    capacity_raw = raw.get("capacity", {})
    if not isinstance(capacity_raw, dict):
        raise InvalidRecordError("changes", "capacity", f"expected an object, got {capacity_raw!r}")
    capacity = []
    for opening, value in capacity_raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidRecordError(
                "changes", f"capacity[{opening}]", f"expected an integer >= 0, got {value!r}"
            )
        capacity.append((str(opening), value))
    new_openings = []
    for k, item in enumerate(_list(raw, "new_openings")):
        if not isinstance(item, dict):
            raise InvalidRecordError("changes", f"new_openings[{k}]", "expected an object")
        new_openings.append(opening_from_dict(item, where=f"changes new_openings[{k}]"))
    return Changes(
        dropouts=dropouts,
        capacity=tuple(sorted(capacity)),
        new_openings=tuple(new_openings),
        locks=_pairs(raw, "locks"),
        forbidden=_pairs(raw, "forbidden"),
        accepted=_pairs(raw, "accepted"),
    )


def _list(raw: Mapping[str, object], key: str) -> list[object]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise InvalidRecordError("changes", key, f"expected a list, got {value!r:.60}")
    return value


def _string(item: object, field: str) -> str:
    if not isinstance(item, str) or not item.strip():
        raise InvalidRecordError("changes", field, f"expected a non-empty string, got {item!r}")
    return item.strip()


def _pairs(raw: Mapping[str, object], key: str) -> tuple[Pair, ...]:
    out = []
    for k, item in enumerate(_list(raw, key)):
        field = f"{key}[{k}]"
        if not isinstance(item, list) or len(item) != 2:
            raise InvalidRecordError(
                "changes", field, f"expected [candidate id, opening id], got {item!r}"
            )
        out.append((_string(item[0], field), _string(item[1], field)))
    return tuple(out)
