"""Bulk imports: ``POST /candidates/import`` (agencies) and ``POST /openings/import``
(employers) — CSV, XLSX or JSON Lines, all rows or none.

The format is read from ``Content-Type`` (``text/csv``,
``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``, ``application/x-ndjson``
or ``application/jsonl``), else from the ``filename`` query parameter's extension (``.csv``,
``.xlsx``, ``.jsonl``/``.ndjson``). The body is the file itself (not described in the OpenAPI
document, whose generators would send random bytes); an empty body imports nothing.

* Every row is validated first; if any is invalid, the answer is 422 with one problem per
  invalid value, located ``["row", n, column]`` (rows count from 1 after the header), and
  nothing is stored.
* All rows are normalised in one batch **before** the write transaction; then every row and
  its concept rows are inserted in one transaction (bulk inserts).
* Over ``max_upload_bytes`` or ``max_import_rows`` (settings): 413.
* ``Idempotency-Key`` header: a retry with the same key and the same body replays the first
  (successful) answer; the same key with another body is a 422. Keys are per organisation.
* Candidates only: a row whose normalised name (casefold, accents stripped, whitespace
  collapsed, tokens sorted) and birth date equal those of another agency's candidate is
  **flagged** (``duplicates`` in the answer: row and new id; the pair is listed for programme
  staff at ``GET /curation/duplicates``), never merged.

Import columns (header names = field names; blank cell = field left out):

=================== ========== ===================================================
Column              Required   Value
=================== ========== ===================================================
**Candidates**
full_name           yes        ≤ 200 characters
country             yes        ISO 3166-1 alpha-2 country of origin (``MA``)
external_ref                   the agency's reference, unique per agency (≤ 64)
birth_date                     ``YYYY-MM-DD`` (1900–2099)
email, phone                   contact
gender                         ``female``, ``male``, ``other``, ``undisclosed``
skills                         free text, items separated by ``, ; |`` (≤ 5,000)
job_titles                     free text (≤ 2,000)
diplomas                       free text (≤ 2,000), read as EQF levels
languages                      free text (≤ 1,000), read as CEFR levels
experience_years               0–60
destinations                   country codes separated by ``;`` (JSON Lines: a list)
consent_to_share               ``true``/``false``
**Openings**
title               yes        ≤ 200 characters
country             yes        ISO 3166-1 alpha-2 destination country
external_ref                   the employer's reference, unique per employer
kind                           ``job`` (default) or ``training``
occupation                     free text (≤ 500)
essential_skills               free text (≤ 5,000)
optional_skills                free text (≤ 5,000)
languages                      free text (≤ 1,000), e.g. "German B1"
capacity                       0–10,000 (default 1)
city                           ≤ 100 characters
start_date                     ``YYYY-MM-DD``
description                    ≤ 10,000 characters
=================== ========== ===================================================
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from polars.exceptions import PolarsError
from sqlalchemy import Connection, Table, insert
from sqlmodel import Field, Session, SQLModel, col, select
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.deps import CANDIDATE_WRITERS, OPENING_WRITERS, SessionDep, SettingsDep
from api.duplicates import flag_duplicates
from api.errors import ERROR_RESPONSES, FieldProblem, InvalidInputError, PayloadTooLargeError
from api.esco_normaliser import EscoProfileNormaliser
from api.gdpr.ids import erased_id_floor
from api.imports import ImportFormat, ParseError, parse_rows, validate_rows
from api.models._types import utc_now
from api.models.candidates import Candidate, CandidateConcept, CandidateCreate
from api.models.imports import ImportRecord
from api.models.openings import Opening, OpeningConcept, OpeningCreate
from api.normalisation import ProfileKind
from api.routes._concepts import texts_of
from api.routes._esco import EscoDep

__all__ = ["router"]

router = APIRouter(tags=["imports"], responses=ERROR_RESPONSES)

MAX_ROWS = 100_000
_CONTENT_TYPES: dict[str, ImportFormat] = {
    "text/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
}
_EXTENSIONS: dict[str, ImportFormat] = {
    "csv": "csv",
    "xlsx": "xlsx",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
}

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]
Filename = Annotated[
    str | None, Query(max_length=255, description="Names the format by its extension")
]


class DuplicateRow(SQLModel):
    row: int = Field(ge=1)
    candidate_id: int


class ImportResult(SQLModel):
    created: int = Field(ge=0)
    ids: list[int] = Field(max_length=MAX_ROWS)
    unresolved: int = Field(ge=0, description="Skill/occupation items left for curation")
    duplicates: list[DuplicateRow] = Field(default_factory=list, max_length=MAX_ROWS)


_EMPTY = ImportResult(created=0, ids=[], unresolved=0).model_dump()


def _format(request: Request, filename: str | None) -> ImportFormat:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[content_type]
    extension = (filename or "").rsplit(".", 1)[-1].lower()
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    raise InvalidInputError(
        [FieldProblem(("header", "content-type"), "not CSV, XLSX or JSON Lines", "format")]
    )


_TABLES: dict[ProfileKind, tuple[Any, Any, type[SQLModel], str, str]] = {
    "candidate": (Candidate, CandidateConcept, CandidateCreate, "agency_id", "candidate_id"),
    "opening": (Opening, OpeningConcept, OpeningCreate, "employer_id", "opening_id"),
}


def _import(
    *,
    kind: ProfileKind,
    data: bytes,
    fmt: ImportFormat,
    principal: Principal,
    session: Session,
    normaliser: EscoProfileNormaliser,
    max_rows: int,
    key: str | None,
    path: str,
) -> JSONResponse:
    table, concept_table, create_model, owner_column, concept_owner = _TABLES[kind]
    owner = principal.organisation_id
    session.commit()  # end the authentication's transaction: nothing is locked meanwhile
    digest = hashlib.sha256(f"{path}\n{fmt}\n".encode() + data).hexdigest()
    if key is not None:
        record = session.exec(
            select(ImportRecord).where(
                ImportRecord.organisation_id == owner, ImportRecord.idempotency_key == key
            )
        ).first()
        session.commit()
        if record is not None:
            if record.body_sha256 != digest:
                raise InvalidInputError(
                    [
                        FieldProblem(
                            ("header", "Idempotency-Key"),
                            "already used with another request body",
                            "idempotency_mismatch",
                        )
                    ]
                )
            return JSONResponse(record.response, status_code=record.status_code)
    try:
        rows = parse_rows(data, fmt)
    except (ParseError, ValueError, PolarsError) as exc:
        raise InvalidInputError(
            [FieldProblem(("body",), f"cannot read the file as {fmt}: {type(exc).__name__}")]
        ) from None
    if len(rows) > max_rows:
        raise PayloadTooLargeError(limit=max_rows, unit="rows")
    if not rows:
        raise InvalidInputError([FieldProblem(("body",), "the file holds no rows", "empty")])
    valid, problems = validate_rows(rows, create_model)
    refs: dict[str, int] = {}
    for number, model in enumerate(valid, start=1):
        ref = getattr(model, "external_ref", None)
        if ref is not None:
            if ref in refs:
                problems.append(
                    FieldProblem(("row", number, "external_ref"), "repeats an earlier row")
                )
            refs[ref] = number
    if refs and not problems:
        owner_col = getattr(table, owner_column)
        taken = session.exec(
            select(table.external_ref).where(
                owner_col == owner, col(table.external_ref).in_(list(refs))
            )
        ).all()
        session.commit()
        problems += [
            FieldProblem(("row", refs[r], "external_ref"), "already used by one of yours")
            for r in taken
        ]
    if problems:
        raise InvalidInputError(problems)
    # Normalise every row before the write transaction.
    items = normaliser.normalise_profiles(
        kind=kind, profiles=[texts_of(m, kind=kind) for m in valid]
    )
    now = utc_now()
    params = [
        m.model_dump() | {owner_column: owner, "created_at": now, "updated_at": now} for m in valid
    ]
    # Core inserts on the session's connection (no ORM unit of work: one round-trip per batch).
    connection = session.connection()
    core = table.__table__
    floor = erased_id_floor(connection) if table is Candidate else None
    if floor is not None:  # SQLite would hand an erased person's id out again (api.gdpr.ids)
        for offset, row in enumerate(params, start=1):
            row["id"] = floor + offset
    ids: list[int] = []
    for start in range(0, len(params), 2_000):
        ids += list(
            connection.execute(
                insert(core).returning(core.c.id, sort_by_parameter_order=True),
                params[start : start + 2_000],
            ).scalars()
        )
    concept_rows = [
        {
            concept_owner: owner_id,
            "field": item.field,
            "source_text": item.source_text[:500],
            "concept_uri": item.concept_uri,
            "confidence": item.confidence,
            "method": item.method,
            "level": item.level,
        }
        for owner_id, profile_items in zip(ids, items, strict=True)
        for item in profile_items
    ]
    if concept_rows:
        _bulk_insert(connection, concept_table.__table__, concept_rows)
    unresolved = sum(
        1
        for r in concept_rows
        if r["concept_uri"] is None and r["field"] not in ("diplomas", "languages")
    )
    duplicates = _flag_duplicates(session, valid, ids, owner) if kind == "candidate" else []
    result = ImportResult(created=len(ids), ids=ids, unresolved=unresolved, duplicates=duplicates)
    body = json.loads(result.model_dump_json())
    if key is not None:
        session.add(
            ImportRecord(
                organisation_id=owner,
                idempotency_key=key,
                body_sha256=digest,
                status_code=201,
                response=body,
            )
        )
    session.commit()
    return JSONResponse(body, status_code=201)


def _bulk_insert(connection: Connection, core: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of the same keys): ``COPY`` on PostgreSQL (several times faster
    than batched INSERTs), an ``executemany`` elsewhere."""
    if connection.dialect.name != "postgresql":
        connection.execute(insert(core), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{core.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _flag_duplicates(
    session: Session, valid: list[Any], ids: list[int], agency: int
) -> list[DuplicateRow]:
    people = [(model.full_name, model.birth_date) for model in valid]
    flagged = flag_duplicates(session, people, ids, agency_id=agency)
    return [DuplicateRow(row=position + 1, candidate_id=ids[position]) for position in flagged]


async def _run(
    request: Request,
    *,
    kind: ProfileKind,
    principal: Principal,
    session: Session,
    normaliser: EscoProfileNormaliser,
    max_rows: int,
    key: str | None,
    filename: str | None,
) -> JSONResponse:
    data = await request.body()
    if not data:
        return JSONResponse(_EMPTY, status_code=201)
    fmt = _format(request, filename)
    return await run_in_threadpool(
        lambda: _import(
            kind=kind,
            data=data,
            fmt=fmt,
            principal=principal,
            session=session,
            normaliser=normaliser,
            max_rows=max_rows,
            key=key,
            path=request.url.path,
        )
    )


@router.post(
    "/candidates/import",
    status_code=201,
    response_model=ImportResult,
    tags=["candidates"],
)
async def import_candidates(
    request: Request,
    principal: Annotated[Principal, Depends(CANDIDATE_WRITERS)],
    session: SessionDep,
    normaliser: EscoDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    filename: Filename = None,
) -> JSONResponse:
    return await _run(
        request,
        kind="candidate",
        principal=principal,
        session=session,
        normaliser=normaliser,
        max_rows=settings.max_import_rows,
        key=idempotency_key,
        filename=filename,
    )


@router.post(
    "/openings/import",
    status_code=201,
    response_model=ImportResult,
    tags=["openings"],
)
async def import_openings(
    request: Request,
    principal: Annotated[Principal, Depends(OPENING_WRITERS)],
    session: SessionDep,
    normaliser: EscoDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    filename: Filename = None,
) -> JSONResponse:
    return await _run(
        request,
        kind="opening",
        principal=principal,
        session=session,
        normaliser=normaliser,
        max_rows=settings.max_import_rows,
        key=idempotency_key,
        filename=filename,
    )
