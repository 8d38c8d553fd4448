"""The curation queue and the programme's synonyms, as operations on a session.

* ``load_normaliser(engine, normalizer)`` — the app's ``EscoProfileNormaliser`` with every
  persisted synonym applied (``lifespan`` calls it once; ``refresh_normaliser`` after a
  confirmation: ``Normalizer.with_synonyms`` shares the index, so this is cheap).
* ``SynonymWatch`` — per process, notices synonyms another server process confirmed (a cheap
  aggregate query at most every ``interval`` seconds) so that every worker normalises with them,
  not only the one that took the confirmation.
* ``sync_queue(session, normaliser)`` — one ``CurationItem`` per unresolved skill or occupation
  text (kind × ``synonym_key``) found in the concept rows of candidates and openings, with the
  normaliser's best guesses. Every write path (create, change, import) stores unresolved rows;
  the queue is brought up to date from them when it is read.
* ``usage(session)`` — per (kind, key), how many candidates and openings hold the text
  unresolved.
* ``confirm(...)`` / ``dismiss(...)`` — a confirmation becomes a ``Synonym`` and re-resolves
  the unresolved rows holding the text (``method="curated"``, confidence 1.0).

Only skills and occupations are queued: diplomas and languages are parsed by rules (EQF, CEFR)
and have no ESCO concept to confirm.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from api.db import open_session
from api.errors import ConflictError, FieldProblem, InvalidInputError, NotFoundError
from api.esco_normaliser import EscoProfileNormaliser, bundled_normalizer, fields_of_kind
from api.models._types import utc_now
from api.models.candidates import CandidateConcept
from api.models.curation import CurationItem, CurationKind, Synonym
from api.models.openings import OpeningConcept
from api.normalisation import ProfileKind
from skills_taxonomy.normalizer import Normalizer, synonym_key

__all__ = [
    "CURATION_KINDS",
    "SynonymWatch",
    "confirm",
    "current_normaliser",
    "dismiss",
    "load_item",
    "load_normaliser",
    "refresh_normaliser",
    "sync_queue",
    "usage",
]

CURATION_KINDS: tuple[CurationKind, ...] = ("skill", "occupation")
#: Guesses kept per queued text.
GUESSES = 5

_TABLES: dict[ProfileKind, tuple[type[CandidateConcept] | type[OpeningConcept], str]] = {
    "candidate": (CandidateConcept, "candidate_id"),
    "opening": (OpeningConcept, "opening_id"),
}


def _synonyms(session: Session, normalizer: Normalizer) -> dict[str, str]:
    rows = session.exec(select(Synonym).order_by(col(Synonym.id))).all()
    return {row.text: row.concept_uri for row in rows if row.concept_uri in normalizer.taxonomy}


def load_normaliser(engine: Engine, normalizer: Normalizer | None) -> EscoProfileNormaliser:
    """The app's normaliser: ``normalizer`` (default: the bundled ESCO one) + the synonyms,
    warmed up (``EscoProfileNormaliser.warm_up``)."""
    base = normalizer if normalizer is not None else bundled_normalizer()
    with open_session(engine, mode="read") as session:
        normaliser = EscoProfileNormaliser(base).with_synonyms(_synonyms(session, base))
    normaliser.warm_up()
    return normaliser


def refresh_normaliser(session: Session, current: EscoProfileNormaliser) -> EscoProfileNormaliser:
    """``current`` with every persisted synonym applied (call after committing a new one)."""
    return current.with_synonyms(_synonyms(session, current.normalizer))


def _fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever a synonym is added or re-pointed (``confirm`` stamps ``created_at``)."""
    row = session.exec(
        select(func.count(), func.max(Synonym.id), func.max(Synonym.created_at))
    ).one()
    return tuple(row)


class SynonymWatch:
    """Keeps one process's normaliser up to date with the synonyms in the database.

    ``fresh(current)`` returns ``current`` with the persisted synonyms applied when they changed
    since the last look (a look at most every ``interval`` seconds; 0: every call), else None.
    """

    def __init__(self, engine: Engine, *, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self._lock = threading.Lock()
        self._next_look = 0.0
        self._seen: tuple[Any, ...] | None = None

    def due(self) -> bool:
        """Whether ``fresh`` would look now (no I/O: a request can ask on the event loop)."""
        return time.monotonic() >= self._next_look

    def fresh(self, current: EscoProfileNormaliser) -> EscoProfileNormaliser | None:
        now = time.monotonic()
        if now < self._next_look or not self._lock.acquire(blocking=False):
            return None  # looked recently, or another request is looking right now
        try:
            self._next_look = now + self.interval
            with open_session(self.engine, mode="read") as session:
                seen = _fingerprint(session)
                if seen == self._seen:
                    return None
                self._seen = seen
                return refresh_normaliser(session, current)
        finally:
            self._lock.release()


def current_normaliser(state: Any) -> Any:
    """The app's normaliser (``state.normaliser``), refreshed first when ``state.synonym_watch``
    sees synonyms another process confirmed."""
    normaliser = getattr(state, "normaliser", None)
    watch: SynonymWatch | None = getattr(state, "synonym_watch", None)
    if watch is not None and isinstance(normaliser, EscoProfileNormaliser):
        fresh = watch.fresh(normaliser)
        if fresh is not None:
            state.normaliser = normaliser = fresh
    return normaliser


def _unresolved_texts(session: Session) -> dict[tuple[CurationKind, str], dict[str, Any]]:
    """Per (kind, key): a text as written, and how many candidates and openings hold it."""
    found: dict[tuple[CurationKind, str], dict[str, Any]] = {}
    for profile, (table, owner_column) in _TABLES.items():
        for kind in CURATION_KINDS:
            fields = fields_of_kind(profile, kind)
            owner: Any = getattr(table, owner_column)
            rows = session.exec(
                select(table.source_text, func.count(owner.distinct()))
                .where(col(table.concept_uri).is_(None), col(table.field).in_(fields))
                .group_by(table.source_text)
            ).all()
            for text, count in rows:
                key = synonym_key(text)
                if not key:
                    continue
                entry = found.setdefault((kind, key), {"text": text, "candidate": 0, "opening": 0})
                entry[profile] += count
    return found


def usage(session: Session) -> dict[tuple[CurationKind, str], tuple[int, int]]:
    """Per (kind, key): (candidates, openings) holding the text unresolved."""
    return {k: (v["candidate"], v["opening"]) for k, v in _unresolved_texts(session).items()}


def sync_queue(session: Session, normaliser: EscoProfileNormaliser) -> int:
    """Queue the unresolved texts not queued yet (with guesses); the number added. The caller
    commits."""
    texts = _unresolved_texts(session)
    known = set(session.exec(select(CurationItem.kind, CurationItem.text_key)).all())
    new: dict[CurationKind, list[tuple[str, str]]] = defaultdict(list)
    for (kind, key), entry in texts.items():
        if (kind, key) not in known:
            new[kind].append((key, entry["text"]))
    added = 0
    for kind, pairs in new.items():
        results = normaliser.normalizer.normalize([t for _, t in pairs], kind=kind, top_k=GUESSES)
        for (key, text), result in zip(pairs, results, strict=True):
            guesses = [{"uri": m.uri, "label": m.label, "score": m.score} for m in result.matches]
            session.add(
                CurationItem(
                    kind=kind, text=text, text_key=key[:500], lang=result.lang, guesses=guesses
                )
            )
            added += 1
    session.flush()
    return added


def load_item(session: Session, item_id: int) -> CurationItem:
    """The curation item ``item_id`` (``NotFoundError`` when there is none)."""
    found = session.get(CurationItem, item_id)
    if found is None:
        raise NotFoundError("curation item", item_id)
    return found


def _check_open(item: CurationItem) -> None:
    if item.status != "open":
        raise ConflictError(f"curation item {item.id} is {item.status} already")


def confirm(
    session: Session,
    item: CurationItem,
    *,
    concept_uri: str,
    user_id: int,
    normaliser: EscoProfileNormaliser,
) -> int:
    """Confirm ``concept_uri`` for ``item``: a synonym, and the unresolved rows holding the text
    re-resolved; the number of rows updated. The caller commits."""
    _check_open(item)
    taxonomy = normaliser.normalizer.taxonomy
    if concept_uri not in taxonomy or taxonomy.kind_of(concept_uri) != item.kind:
        raise InvalidInputError(
            [
                FieldProblem(
                    loc=("body", "concept_uri"),
                    msg=f"not an ESCO {item.kind} of the taxonomy",
                    type="unknown_concept",
                )
            ]
        )
    existing = session.exec(
        select(Synonym).where(Synonym.kind == item.kind, Synonym.text_key == item.text_key)
    ).first()
    if existing is None:
        existing = Synonym(
            kind=item.kind, text=item.text, text_key=item.text_key, concept_uri=concept_uri
        )
    existing.concept_uri = concept_uri
    existing.created_by = user_id
    existing.created_at = utc_now()  # other processes notice the change (``SynonymWatch``)
    session.add(existing)
    item.status = "confirmed"
    item.concept_uri = concept_uri
    item.decided_by = user_id
    item.decided_at = utc_now()
    session.add(item)
    return _resolve_rows(session, kind=item.kind, key=item.text_key, concept_uri=concept_uri)


def dismiss(session: Session, item: CurationItem, *, user_id: int) -> None:
    """Take ``item`` off the queue (its rows stay unresolved). The caller commits."""
    _check_open(item)
    item.status = "dismissed"
    item.decided_by = user_id
    item.decided_at = utc_now()
    session.add(item)


def _resolve_rows(session: Session, *, kind: CurationKind, key: str, concept_uri: str) -> int:
    updated = 0
    for profile, (table, _owner) in _TABLES.items():
        fields = fields_of_kind(profile, kind)
        rows: Sequence[tuple[int | None, str]] = session.exec(
            select(table.id, table.source_text).where(
                col(table.concept_uri).is_(None), col(table.field).in_(fields)
            )
        ).all()
        ids = [row_id for row_id, text in rows if row_id and synonym_key(text) == key]
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            session.exec(
                update(table)
                .where(col(table.id).in_(chunk))
                .values(concept_uri=concept_uri, confidence=1.0, method="curated")
            )
        updated += len(ids)
    return updated
