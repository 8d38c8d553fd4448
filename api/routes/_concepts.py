"""Profiles (candidates and openings) with their concept rows: normalise text, store the rows,
apply changes, read them back — the steps the two resources share, and the routes' blocking
work made of them (``create_profile``, ``read_profile``, ``update_profile``, ``profile_page``:
each runs in the route's one thread hop, ``api.routes._blocking``; ``create_new_profile``
normalises on the event loop first, in a batch with concurrent requests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Connection, Insert, Table, insert
from sqlmodel import Session, SQLModel, col, delete, select

from api.db import reader_beside
from api.duplicates import flag_duplicates
from api.gdpr.ids import candidate_insert
from api.models._types import utc_now
from api.models.candidates import (
    CANDIDATE_TEXT_FIELDS,
    Candidate,
    CandidateConcept,
    CandidateCreate,
)
from api.models.concepts import NormalisedConceptPublic
from api.models.openings import OPENING_TEXT_FIELDS, Opening, OpeningConcept, OpeningCreate
from api.normalisation import NormalisedItem, ProfileKind, ProfileNormaliser
from api.normalisation_batch import NormalisationBatcher
from api.pagination import Page, paginate
from api.routes._blocking import run_in_session

__all__ = [
    "apply_changes",
    "concepts_of",
    "create_new_profile",
    "create_profile",
    "insert_profile",
    "normalise",
    "profile_page",
    "public_profile",
    "public_profiles",
    "read_profile",
    "replace_concepts",
    "texts_of",
    "update_profile",
]

Profile = Candidate | Opening
ProfileCreate = CandidateCreate | OpeningCreate
PublicModel = TypeVar("PublicModel", bound=SQLModel)

_TEXT_FIELDS: dict[ProfileKind, tuple[str, ...]] = {
    "candidate": CANDIDATE_TEXT_FIELDS,
    "opening": OPENING_TEXT_FIELDS,
}

_TABLES: dict[ProfileKind, tuple[type[CandidateConcept] | type[OpeningConcept], str]] = {
    "candidate": (CandidateConcept, "candidate_id"),
    "opening": (OpeningConcept, "opening_id"),
}

#: The column naming a new profile's owner (the organisation that creates it).
_OWNER_COLUMNS: dict[ProfileKind, str] = {"candidate": "agency_id", "opening": "employer_id"}
#: Statements built once (SQLAlchemy also keys its compiled-statement cache on them once).
_OPENING_INSERT = insert(Opening.__table__).returning(col(Opening.id))  # type: ignore[attr-defined]
_CONCEPT_INSERTS: dict[ProfileKind, Insert] = {
    "candidate": insert(CandidateConcept.__table__),  # type: ignore[attr-defined]
    "opening": insert(OpeningConcept.__table__),  # type: ignore[attr-defined]
}

#: The columns of a concept row that its answer shows, and their validator (a whole list at a
#: time: one call into pydantic-core instead of one ``model_validate`` per row).
_CONCEPT_FIELDS = tuple(NormalisedConceptPublic.model_fields)
_CONCEPTS = TypeAdapter(list[NormalisedConceptPublic])


def normalise(
    normaliser: ProfileNormaliser | None, *, kind: ProfileKind, texts: Mapping[str, str]
) -> Sequence[NormalisedItem] | None:
    """What ``normaliser`` makes of one profile's ``texts``; None without a normaliser.

    Call it before writing, so that the database is not locked while text is normalised."""
    if normaliser is None:
        return None
    [items] = normaliser.normalise_profiles(kind=kind, profiles=[texts])
    return _of_fields(items, texts)


async def create_new_profile(
    request: Request,
    body: ProfileCreate,
    *,
    owner_id: int,
    kind: ProfileKind,
    model: type[PublicModel],
    normaliser: ProfileNormaliser | None,
) -> PublicModel:
    """A create route's work: ``body``'s text normalised on the event loop, in the next batch
    of the app's ``NormalisationBatcher`` (``api.normalisation_batch``), then
    ``create_profile`` in the route's one thread hop."""
    items = None
    if normaliser is not None:
        texts = texts_of(body, kind=kind)
        batcher: NormalisationBatcher = request.app.state.normalisation_batcher
        items = _of_fields(await batcher.normalise(normaliser, kind=kind, texts=texts), texts)
    return await run_in_session(
        request, create_profile, body, owner_id=owner_id, kind=kind, model=model, items=items
    )


def _of_fields(
    items: Sequence[NormalisedItem], texts: Mapping[str, str]
) -> Sequence[NormalisedItem]:
    """``items``, each of a field of ``texts`` (else the normaliser is broken: ValueError)."""
    unknown = {item.field for item in items} - texts.keys()
    if unknown:
        raise ValueError(f"the normaliser returned items of unknown fields {sorted(unknown)}")
    return items


def replace_concepts(
    session: Session,
    *,
    kind: ProfileKind,
    owner_id: int,
    items: Sequence[NormalisedItem] | None,
) -> None:
    """Replace the owner's concept rows with ``items``; None (no normaliser) keeps them."""
    if items is None:
        return
    table, owner_column = _TABLES[kind]
    owner: Any = getattr(table, owner_column)
    session.exec(delete(table).where(owner == owner_id))
    _insert_concepts(session, kind=kind, owner_id=owner_id, items=items)


def _insert_concepts(
    session: Session, *, kind: ProfileKind, owner_id: int, items: Sequence[NormalisedItem]
) -> list[NormalisedConceptPublic]:
    """Add the owner's concept rows for ``items`` in one statement (a Core ``INSERT``: no ORM
    objects, no unit of work), and return them as answered (in order, as ``concepts_of``)."""
    owner_column = _TABLES[kind][1]
    rows: list[dict[str, Any]] = [
        {
            "field": item.field,
            "source_text": item.source_text[:500],
            "concept_uri": item.concept_uri,
            "confidence": item.confidence,
            "method": item.method,
            "level": item.level,
        }
        for item in items
    ]
    if rows:
        rows_of_owner = [row | {owner_column: owner_id} for row in rows]
        # Core: no ORM statement work
        session.connection().execute(_CONCEPT_INSERTS[kind], rows_of_owner)
    return _CONCEPTS.validate_python(rows)


def concepts_of(
    session: Session, *, kind: ProfileKind, owner_ids: Sequence[int]
) -> dict[int, list[NormalisedConceptPublic]]:
    """Concept rows per owner id, in insertion order (one query for all owners).

    Read as plain rows of the answered columns (Core, on the session's connection: no ORM
    objects to build and track) and validated in one call (~0.5 -> ~0.1 ms for a profile)."""
    table, owner_column = _TABLES[kind]
    core: Table = table.__table__  # type: ignore[union-attr]
    owner = core.c[owner_column]
    result: dict[int, list[NormalisedConceptPublic]] = {i: [] for i in owner_ids}
    if owner_ids:
        statement = (
            select(owner, *(core.c[name] for name in _CONCEPT_FIELDS))
            .where(owner.in_(owner_ids))
            .order_by(core.c.id)
        )
        rows = session.connection().execute(statement).all()
        concepts = _CONCEPTS.validate_python([row._mapping for row in rows])
        for row, concept in zip(rows, concepts, strict=True):
            result[row[0]].append(concept)
    return result


def texts_of(profile: SQLModel, *, kind: ProfileKind) -> dict[str, str]:
    """The free-text fields of a profile (a table row or a create body)."""
    return {field: getattr(profile, field) for field in _TEXT_FIELDS[kind]}


def insert_profile(
    session: Session,
    body: ProfileCreate,
    *,
    kind: ProfileKind,
    owner_id: int,
    items: Sequence[NormalisedItem] | None,
) -> dict[str, Any]:
    """Insert a new profile made of ``body`` (a validated create model) for the organisation
    ``owner_id``, with its concept rows; return the profile as answered, a dict of its fields
    with its ``concepts`` (a new profile has none but these, so the answer needs no read-back).

    One Core ``INSERT ... RETURNING id`` (no table model to validate, no unit of work); on
    SQLite it also numbers a candidate above every erased id (``api.gdpr.ids``)."""
    now = utc_now()
    row = body.model_dump() | {_OWNER_COLUMNS[kind]: owner_id, "created_at": now, "updated_at": now}
    connection = session.connection()
    profile_id: int = connection.execute(_profile_insert(connection, kind=kind), row).scalar_one()
    concepts = (
        []
        if items is None
        else _insert_concepts(session, kind=kind, owner_id=profile_id, items=items)
    )
    return row | {"id": profile_id, "concepts": concepts}


def _profile_insert(connection: Connection, *, kind: ProfileKind) -> Insert:
    return candidate_insert(connection.dialect) if kind == "candidate" else _OPENING_INSERT


def apply_changes(
    session: Session,
    profile: Profile,
    changes: SQLModel,
    *,
    kind: ProfileKind,
    normaliser: ProfileNormaliser | None,
    normalised: tuple[Mapping[str, str], Sequence[NormalisedItem] | None] | None = None,
) -> None:
    """Set the fields ``changes`` sets; normalise again when a text field changed —
    unless ``normalised`` holds the items of exactly the profile's new texts (``(texts,
    items)``, computed before the write began: ``update_profile``)."""
    values = changes.model_dump(exclude_unset=True)
    profile.sqlmodel_update(values)
    profile.updated_at = utc_now()
    session.add(profile)
    if values.keys() & set(_TEXT_FIELDS[kind]):
        assert profile.id is not None
        texts = texts_of(profile, kind=kind)
        if normalised is not None and normalised[0] == texts:
            items = normalised[1]
        else:  # no text normalised ahead, or another request changed it since
            items = normalise(normaliser, kind=kind, texts=texts)
        replace_concepts(session, kind=kind, owner_id=profile.id, items=items)


def public_profiles(
    session: Session,
    profiles: Sequence[Profile],
    *,
    kind: ProfileKind,
    model: type[PublicModel],
) -> list[PublicModel]:
    """``profiles`` as ``model`` answers, each with its concept rows (one query for all)."""
    concepts = concepts_of(session, kind=kind, owner_ids=[p.id for p in profiles if p.id])
    return [public_profile(p, concepts.get(p.id or 0, []), model=model) for p in profiles]


def public_profile(
    profile: Profile, concepts: Sequence[NormalisedConceptPublic], *, model: type[PublicModel]
) -> PublicModel:
    """``profile`` as a ``model`` answer with ``concepts`` (its concept rows, in order).

    Validated from a dict of the answer's fields (half the cost of validating from the row's
    attributes with an update)."""
    values = {name: getattr(profile, name) for name in model.model_fields if name != "concepts"}
    values["concepts"] = concepts
    return model.model_validate(values)


def create_profile(
    session: Session,
    body: ProfileCreate,
    *,
    owner_id: int,
    kind: ProfileKind,
    model: type[PublicModel],
    items: Sequence[NormalisedItem] | None,
) -> PublicModel:
    """Insert ``body`` (a validated create model) as a new profile of ``owner_id`` with the
    concept rows of ``items`` (what its text normalised to, before this hop:
    ``create_new_profile``; None: no normaliser), flag a candidate that another agency's
    looks like (``api.duplicates``), commit; the profile as a ``model`` answer."""
    created = insert_profile(session, body, kind=kind, owner_id=owner_id, items=items)
    if isinstance(body, CandidateCreate):  # another agency's candidate may be the same person
        people = [(body.full_name, body.birth_date)]
        flag_duplicates(session, people, [created["id"]], agency_id=owner_id)
    public = model.model_validate(created)
    session.commit()  # after building the answer: one transaction
    return public


def read_profile(
    session: Session,
    load: Callable[[Session], Profile],
    *,
    kind: ProfileKind,
    model: type[PublicModel],
) -> PublicModel:
    """The profile ``load`` finds (or 404s: ``deps.Lookup.load``) as a ``model`` answer."""
    [public] = public_profiles(session, [load(session)], kind=kind, model=model)
    return public


def update_profile(
    session: Session,
    load: Callable[[Session], Profile],
    changes: SQLModel,
    *,
    kind: ProfileKind,
    model: type[PublicModel],
    normaliser: ProfileNormaliser | None,
) -> PublicModel:
    """``apply_changes`` to the profile ``load`` finds (or 404s), then commit; the changed
    profile as a ``model`` answer.

    When ``changes`` sets a text field, the new texts are normalised before the write
    transaction begins (the profile read through a session of its own), so that SQLite's
    writer lock is not held while they are. A candidate whose name or birth date changed is
    compared with the other agencies' again (``api.duplicates``)."""
    normalised = None
    values = changes.model_dump(exclude_unset=True)
    if normaliser is not None and values.keys() & set(_TEXT_FIELDS[kind]):
        with reader_beside(session) as reader:
            texts = texts_of(load(reader), kind=kind)
        texts |= {field: values[field] for field in texts.keys() & values.keys()}
        normalised = (texts, normalise(normaliser, kind=kind, texts=texts))
    profile = load(session)
    apply_changes(
        session, profile, changes, kind=kind, normaliser=normaliser, normalised=normalised
    )
    if isinstance(profile, Candidate) and values.keys() & {"full_name", "birth_date"}:
        assert profile.id is not None
        people = [(profile.full_name, profile.birth_date)]
        flag_duplicates(session, people, [profile.id], agency_id=profile.agency_id, changed=True)
    [public] = public_profiles(session, [profile], kind=kind, model=model)
    session.commit()
    return public


def profile_page(
    session: Session,
    table: type[Profile],
    *,
    kind: ProfileKind,
    page: type[Page[PublicModel]],
    model: type[PublicModel],
    where: Sequence[ColumnElement[bool]],
    limit: int,
    after: int | None,
) -> Page[PublicModel]:
    """One ``page`` of ``table``'s profiles matching ``where`` (``paginate``), as ``model``
    answers."""
    rows, total, next_after = paginate(session, table, where=where, limit=limit, after=after)
    items = public_profiles(session, rows, kind=kind, model=model)
    return page(items=items, total=total, next_after=next_after)
