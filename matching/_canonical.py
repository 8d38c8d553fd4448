"""Canonical JSON: one encoding for hashing and for writing results (byte-identical runs)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping

import polars as pl

__all__ = ["digest", "dumps", "jsonable"]


def jsonable(value: object) -> object:
    """``value`` as plain JSON types: dataclasses → objects (fields in declaration order),
    tuples → lists, dates → ISO strings, mappings → objects with string keys."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not isinstance(getattr(value, f.name), pl.DataFrame)
        }
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return float(value)
    return value


def dumps(value: object) -> str:
    """Sorted keys, compact separators, shortest round-trip floats, UTF-8 text, no NaN."""
    return json.dumps(
        jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def digest(value: object) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``value``."""
    return "sha256:" + hashlib.sha256(dumps(value).encode("utf-8")).hexdigest()
