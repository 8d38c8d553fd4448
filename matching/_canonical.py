"""Canonical JSON: one encoding for hashing and for writing results (byte-identical runs).

Dataclasses become objects (fields in declaration order, polars frames left out), tuples
lists, dates ISO strings, numpy scalars Python numbers; keys are sorted, separators compact,
floats in their shortest round-trip form, no NaN. The C encoder does the recursion; only
records go through ``_default``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any

import numpy as np
import polars as pl

__all__ = ["digest", "dumps", "jsonable"]

_FIELDS: dict[type, tuple[str, ...]] = {}


def _default(value: object) -> object:
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {
            name: field
            for name in names
            if not isinstance(field := getattr(value, name), pl.DataFrame)
        }
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot encode {kind.__name__} as JSON")


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default
)


def dumps(value: object) -> str:
    """The canonical JSON text of ``value``."""
    return _ENCODER.encode(value)


def jsonable(value: object) -> Any:
    """``value`` as plain JSON types (through the canonical encoding)."""
    return json.loads(dumps(value))


def digest(value: object) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``value``."""
    return "sha256:" + hashlib.sha256(dumps(value).encode("utf-8")).hexdigest()
