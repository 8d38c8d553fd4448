"""The on-disk bundle of a taxonomy: one zip holding a ``meta.json`` and one parquet per table.

Parquet tables are zstd-compressed inside an uncompressed (stored) zip, so the file is small and
each table is read straight from memory. The build is deterministic: tables are sorted on all
their columns, parquet options are fixed, zip entries carry a fixed timestamp and order, and
``meta.json`` is written with sorted keys; the same taxonomy always gives the same bytes.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from skills_taxonomy.errors import TaxonomyFormatError
from skills_taxonomy.tables import SCHEMAS

__all__ = ["BUNDLE_FORMAT", "BUNDLE_FORMAT_VERSION", "TABLE_NAMES", "read_bundle", "write_bundle"]

BUNDLE_FORMAT = "mobility-match/esco-taxonomy"
BUNDLE_FORMAT_VERSION = 1
TABLE_NAMES = tuple(SCHEMAS)
_META = "meta.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_ZSTD_LEVEL = 17


def write_bundle(
    path: str | Path, *, meta: Mapping[str, object], tables: Mapping[str, pl.DataFrame]
) -> None:
    """Write ``tables`` (all of ``TABLE_NAMES``) and ``meta`` to ``path``, atomically."""
    missing = [name for name in TABLE_NAMES if name not in tables]
    if missing:
        raise TaxonomyFormatError(f"bundle {path}: no table {missing[0]!r} to write")
    header = {**meta, "format": BUNDLE_FORMAT, "format_version": BUNDLE_FORMAT_VERSION}
    entries = [(_META, json.dumps(header, sort_keys=True, ensure_ascii=False, indent=1).encode())]
    for name in TABLE_NAMES:
        table = tables[name]
        buffer = io.BytesIO()
        table.sort(table.columns, nulls_last=True).write_parquet(
            buffer,
            compression="zstd",
            compression_level=_ZSTD_LEVEL,
            statistics=False,
            row_group_size=1 << 20,
        )
        entries.append((f"{name}.parquet", buffer.getvalue()))

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=_EPOCH)
                info.external_attr = 0o644 << 16
                info.create_system = 3
                archive.writestr(info, data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_bundle(path: str | Path) -> tuple[dict[str, object], dict[str, pl.DataFrame]]:
    """``(meta, tables)`` from a bundle written by ``write_bundle``."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for required in (_META, *(f"{t}.parquet" for t in TABLE_NAMES)):
                if required not in names:
                    raise TaxonomyFormatError(f"bundle {path}: no entry {required!r}")
            meta = json.loads(archive.read(_META))
            tables = {
                name: pl.read_parquet(io.BytesIO(archive.read(f"{name}.parquet")))
                for name in TABLE_NAMES
            }
    except FileNotFoundError as exc:
        raise TaxonomyFormatError(f"bundle {path}: no such file") from exc
    except (zipfile.BadZipFile, json.JSONDecodeError, pl.exceptions.PolarsError, OSError) as exc:
        raise TaxonomyFormatError(f"bundle {path}: unreadable ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != BUNDLE_FORMAT:
        raise TaxonomyFormatError(f"bundle {path}: not a {BUNDLE_FORMAT} bundle")
    if meta.get("format_version") != BUNDLE_FORMAT_VERSION:
        raise TaxonomyFormatError(
            f"bundle {path}: format version {meta.get('format_version')!r}, "
            f"this code reads version {BUNDLE_FORMAT_VERSION}"
        )
    return meta, tables
