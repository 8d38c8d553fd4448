"""Bulk import of candidates or openings: parse (CSV, XLSX, JSON Lines), validate every row,
normalise all rows in one batch, then insert everything in one transaction — or nothing.

* ``parse_rows(data, fmt)`` — the rows as dicts (column → value; blank cells left out);
* ``validate_rows(rows, model)`` — the valid models, or every problem as a ``FieldProblem``
  located ``("row", n, column)`` (rows count from 1, the header excluded);
* ``name_key(name)`` — the folded name duplicate detection compares (casefold, accents
  stripped, punctuation and runs of whitespace collapsed, tokens sorted).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal, TypeVar

import polars as pl
from pydantic import ValidationError
from sqlmodel import SQLModel

from api.errors import FieldProblem

__all__ = ["ImportFormat", "ParseError", "name_key", "parse_rows", "validate_rows"]

ImportFormat = Literal["csv", "xlsx", "jsonl"]
Model = TypeVar("Model", bound=SQLModel)

#: Columns holding a list, written in a cell as values separated by ``;``, ``,`` or spaces.
_LIST_COLUMNS = frozenset({"destinations"})
_MAX_PROBLEMS = 1_000


class ParseError(ValueError):
    """The file cannot be read as its format."""


def parse_rows(data: bytes, fmt: ImportFormat) -> list[dict[str, Any]]:
    if fmt == "jsonl":
        rows: list[dict[str, Any]] = []
        # "utf-8-sig": a byte order mark opening the file is not part of the first row.
        for number, line in enumerate(data.decode("utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            value = json.loads(line)
            if not isinstance(value, dict):
                raise ParseError(f"line {number} is not a JSON object")
            rows.append(value)
        return rows
    if fmt == "csv":
        frame = pl.read_csv(io.BytesIO(data), infer_schema_length=0, encoding="utf8")
    else:
        frame = pl.read_excel(io.BytesIO(data), engine="calamine")
    return [_cells(row) for row in frame.iter_rows(named=True)]


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in row.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, datetime):
            value = value.date().isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            value = str(int(value))
        else:
            value = str(value).strip()
        if column in _LIST_COLUMNS:
            out[column] = [v for v in re.split(r"[;,\s]+", value) if v]
        else:
            out[column] = value
    return out


def validate_rows(
    rows: Sequence[dict[str, Any]], model: type[Model]
) -> tuple[list[Model], list[FieldProblem]]:
    known = set(model.model_fields)
    valid: list[Model] = []
    problems: list[FieldProblem] = []
    for number, row in enumerate(rows, start=1):
        for column in row.keys() - known:
            problems.append(FieldProblem(("row", number, str(column)[:100]), "unknown column"))
        try:
            valid.append(model.model_validate(row))
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else ""
                problems.append(
                    FieldProblem(("row", number, column[:100]), str(err["msg"]), str(err["type"]))
                )
        if len(problems) >= _MAX_PROBLEMS:
            break
    return valid, problems[:_MAX_PROBLEMS]


def name_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    tokens = re.sub(r"[\W_]+", " ", stripped).split()
    return " ".join(sorted(tokens))
