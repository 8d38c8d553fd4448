"""What each staff page shows, read from the database as plain records (no ORM object reaches a
template). Queries select columns, never whole profiles, so that a page of the demo programme
(2,000 candidates) is read in milliseconds; ESCO labels are looked up in the page's language.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.models._types import as_utc
from api.models.audit import AuditRecord
from api.models.candidates import Candidate, CandidateConcept
from api.models.curation import CurationItem, CurationKind, CurationStatus
from api.models.openings import Opening, OpeningConcept
from api.models.organisations import Organisation
from api.models.placements import Placement
from api.models.review import Decision
from api.models.rounds import Round, RoundAssignment
from skills_taxonomy.normalizer import synonym_key
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "AssignmentRow",
    "AuditRow",
    "Dashboard",
    "OpenPlaces",
    "PairView",
    "RoundRow",
    "UnassignedRow",
    "audit_rows",
    "curation_items",
    "dashboard",
    "decision_states",
    "label_of",
    "occupation_labels",
    "pair_view",
    "round_assignments",
    "rounds",
    "unassigned",
]

#: Unassigned candidates listed on the round page (the rest are counted).
UNASSIGNED_SHOWN = 500
AUDIT_PAGE = 100
_ROUNDS: Any = Round.__table__  # type: ignore[attr-defined]


def label_of(taxonomy: Taxonomy, uri: str, fallback: str, lang: str) -> str:
    """The concept's preferred label in ``lang`` (English, then ``fallback``, if none)."""
    if uri in taxonomy:
        return taxonomy.preferred_label(uri, lang=lang)
    return fallback or uri


# --- dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    status: str
    created_at: datetime
    candidates: int
    placed: int | None
    places_total: int | None
    published: bool


@dataclass(frozen=True, slots=True)
class OpenPlaces:
    country: str
    occupation: str
    places: int
    taken: int

    @property
    def open(self) -> int:
        return max(self.places - self.taken, 0)


@dataclass(frozen=True, slots=True)
class Dashboard:
    open_places: list[OpenPlaces]
    open_by_country: list[tuple[str, int]]
    rounds: list[RoundRow]
    curation_open: int


def occupation_labels(session: Session, taxonomy: Taxonomy, lang: str) -> dict[int, str]:
    """Per opening id: its occupation's ESCO label, else the occupation or title as written."""
    resolved = session.execute(
        select(OpeningConcept.opening_id, OpeningConcept.concept_uri)
        .where(
            col(OpeningConcept.field) == "occupation", col(OpeningConcept.concept_uri).isnot(None)
        )
        .order_by(col(OpeningConcept.id))
    ).all()
    labels: dict[int, str] = {}
    for opening_id, uri in resolved:
        if opening_id not in labels and uri:
            labels[opening_id] = label_of(taxonomy, uri, uri, lang)
    for opening_id, occupation, title in session.execute(
        select(Opening.id, Opening.occupation, Opening.title)
    ):
        labels.setdefault(opening_id, occupation or title)
    return labels


def rounds(session: Session) -> list[RoundRow]:
    """Every round, newest first, with whether it was published (it has placements). The
    metrics are read out of the stored result by the database (not the whole JSON)."""
    published = set(session.exec(select(Placement.round_id).distinct()).all())
    metrics = _ROUNDS.c.result["metrics"]
    rows = session.execute(
        sa.select(
            _ROUNDS.c.id,
            _ROUNDS.c.status,
            _ROUNDS.c.created_at,
            _ROUNDS.c.candidates,
            metrics["candidates_placed"].as_integer(),
            metrics["places_total"].as_integer(),
        ).order_by(_ROUNDS.c.id.desc())
    ).all()
    return [
        RoundRow(
            id=round_id,
            status=status,
            created_at=as_utc(created_at),
            candidates=candidates,
            placed=placed,
            places_total=places_total,
            published=round_id in published,
        )
        for round_id, status, created_at, candidates, placed, places_total in rows
    ]


def dashboard(session: Session, taxonomy: Taxonomy, lang: str) -> Dashboard:
    """Open places and rounds (the funnel is the programme report's: ``api.reports``)."""
    taken = Counter(
        opening_id
        for (opening_id,) in session.execute(
            select(Placement.opening_id).where(col(Placement.stage) != "closed")
        )
    )
    labels = occupation_labels(session, taxonomy, lang)
    places: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for opening_id, country, capacity in session.execute(
        select(Opening.id, Opening.country, Opening.capacity)
    ):
        entry = places[(country, labels.get(opening_id, ""))]
        entry[0] += capacity
        entry[1] += min(taken[opening_id], capacity)
    open_places = sorted(
        (OpenPlaces(c, o, p, t) for (c, o), (p, t) in places.items()),
        key=lambda r: (r.country, -r.open, r.occupation),
    )
    by_country: Counter[str] = Counter()
    for row in open_places:
        by_country[row.country] += row.open
    curation_open = session.exec(
        select(func.count()).select_from(CurationItem).where(col(CurationItem.status) == "open")
    ).one()
    return Dashboard(
        open_places=[r for r in open_places if r.places],
        open_by_country=sorted(by_country.items()),
        rounds=rounds(session),
        curation_open=curation_open,
    )


# --- round review ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    candidate_id: int
    candidate_ref: str
    agency: str
    opening_id: int
    opening: str
    employer: str
    occupation: str
    country: str
    score: float
    state: str


@dataclass(frozen=True, slots=True)
class UnassignedRow:
    candidate_id: str
    reason: str
    details: str


def _names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Organisation.id, Organisation.name)).all())


def round_assignments(
    session: Session,
    round_id: int,
    taxonomy: Taxonomy,
    lang: str,
    states: Mapping[tuple[int, int], str],
    extra: Sequence[tuple[int, int, float | None, str]] = (),
) -> list[AssignmentRow]:
    """The round's assignments, best score first, each with its decision state (``states``:
    (opening, candidate) → state; undecided when absent). ``extra``: pairs an override put in
    (opening, candidate, score, state)."""
    pairs = [
        (o, c, s)
        for o, c, s in session.execute(
            select(
                RoundAssignment.opening_id, RoundAssignment.candidate_id, RoundAssignment.score
            ).where(col(RoundAssignment.round_id) == round_id)
        )
    ]
    pairs += [(o, c, s if s is not None else 0.0) for o, c, s, _state in extra]
    extra_states = {(o, c): state for o, c, _s, state in extra}
    opening_ids = {o for o, _c, _s in pairs}
    candidate_ids = {c for _o, c, _s in pairs}
    names = _names(session)
    openings = {
        i: (title, country, employer)
        for i, title, country, employer in session.execute(
            select(Opening.id, Opening.title, Opening.country, Opening.employer_id).where(
                col(Opening.id).in_(opening_ids)
            )
        )
    }
    candidates = {
        i: (ref, agency)
        for i, ref, agency in session.execute(
            select(Candidate.id, Candidate.external_ref, Candidate.agency_id).where(
                col(Candidate.id).in_(candidate_ids)
            )
        )
    }
    labels = occupation_labels(session, taxonomy, lang)
    rows = []
    for opening_id, candidate_id, score in pairs:
        title, country, employer = openings.get(opening_id, ("?", "", 0))
        ref, agency = candidates.get(candidate_id, (None, 0))
        state = extra_states.get((opening_id, candidate_id)) or states.get(
            (opening_id, candidate_id), "undecided"
        )
        rows.append(
            AssignmentRow(
                candidate_id=candidate_id,
                candidate_ref=ref or f"#{candidate_id}",
                agency=names.get(agency, ""),
                opening_id=opening_id,
                opening=title,
                employer=names.get(employer, ""),
                occupation=labels.get(opening_id, ""),
                country=country,
                score=score,
                state=state,
            )
        )
    rows.sort(key=lambda r: (-r.score, r.opening_id, r.candidate_id))
    return rows


def decision_states(
    session: Session, round_id: int
) -> tuple[dict[tuple[int, int], str], list[tuple[int, int, float | None, str]]]:
    """The review state of the round's pairs, read by columns for the page (``api.review``'s
    ``review_state`` builds the full records, history included, for the API): per proposed
    (opening, candidate), its latest decision's action; and the pairs overrides put in
    (opening, candidate, score, ``overridden_in``)."""
    latest: dict[tuple[int, int], tuple[str, int | None, float | None]] = {}
    for candidate_id, opening_id, action, new_id, new_score in session.execute(
        sa.select(
            col(Decision.candidate_id),
            col(Decision.opening_id),
            col(Decision.action),
            col(Decision.new_candidate_id),
            col(Decision.new_score),
        )
        .where(col(Decision.round_id) == round_id, col(Decision.candidate_id).is_not(None))
        .order_by(col(Decision.id))
    ):
        latest[(opening_id, candidate_id)] = (action, new_id, new_score)
    states = {pair: action for pair, (action, _new, _score) in latest.items()}
    extra = [
        (opening_id, new_id, score, "overridden_in")
        for (opening_id, _c), (action, new_id, score) in latest.items()
        if action == "override" and new_id is not None
    ]
    return states, extra


def unassigned(result: Mapping[str, Any] | None) -> tuple[list[UnassignedRow], Counter[str]]:
    """The first ``UNASSIGNED_SHOWN`` unassigned candidates with their reasons, and the count
    per reason over all of them."""
    items = (result or {}).get("unassigned") or []
    reasons: Counter[str] = Counter(str(item.get("reason", "")) for item in items)
    rows = [
        UnassignedRow(
            candidate_id=str(item.get("candidate", "")),
            reason=str(item.get("reason", "")),
            details=", ".join(f"{k}: {v}" for k, v in (item.get("details") or {}).items()),
        )
        for item in items[:UNASSIGNED_SHOWN]
    ]
    return rows, reasons


@dataclass(frozen=True, slots=True)
class PairView:
    """One pair's explanation, labels in the page's language."""

    round_id: int
    opening_id: int
    candidate_id: int
    opening: str
    employer: str
    candidate_ref: str
    score: float
    terms: list[tuple[str, float]]
    matched: list[tuple[str, float, bool]]
    matched_optional: list[str]
    missing: list[str]
    partial: list[dict[str, Any]]
    rules: list[tuple[str, bool, str]]
    locked: bool
    #: A pair of the round's result (decisions are taken on these), else put in by an override.
    proposed: bool = True
    history: list[Any] = field(default_factory=list)


def pair_view(
    session: Session,
    *,
    round_id: int,
    opening_id: int,
    candidate_id: int,
    taxonomy: Taxonomy,
    lang: str,
) -> PairView | None:
    """The explanation of a pair of the round, or of a pair an override put in (the latest
    such override's); None when the round has neither."""
    proposed = session.execute(
        select(RoundAssignment.score, RoundAssignment.explanation).where(
            col(RoundAssignment.round_id) == round_id,
            col(RoundAssignment.opening_id) == opening_id,
            col(RoundAssignment.candidate_id) == candidate_id,
        )
    ).first()
    found = (
        proposed
        or session.execute(
            select(Decision.new_score, Decision.new_explanation)
            .where(
                col(Decision.round_id) == round_id,
                col(Decision.action) == "override",
                col(Decision.opening_id) == opening_id,
                col(Decision.new_candidate_id) == candidate_id,
            )
            .order_by(col(Decision.id).desc())
        ).first()
    )
    if found is None:
        return None
    score, explanation = found
    opening = session.execute(
        select(Opening.title, Organisation.name)
        .join(Organisation, col(Organisation.id) == col(Opening.employer_id))
        .where(col(Opening.id) == opening_id)
    ).first()
    ref = session.execute(
        select(Candidate.external_ref).where(col(Candidate.id) == candidate_id)
    ).scalar()

    def label(item: Mapping[str, Any], key: str = "uri", fallback: str = "label") -> str:
        return label_of(taxonomy, str(item.get(key, "")), str(item.get(fallback, "")), lang)

    ex = explanation or {}
    return PairView(
        round_id=round_id,
        opening_id=opening_id,
        candidate_id=candidate_id,
        opening=opening[0] if opening else "?",
        employer=opening[1] if opening else "",
        candidate_ref=ref or f"#{candidate_id}",
        score=float(score or 0.0),
        terms=[(str(name), float(value)) for name, value in ex.get("terms", [])],
        matched=[
            (label(m), float(m.get("level", 1.0)), bool(m.get("via_occupation")))
            for m in ex.get("matched_essential", [])
        ],
        matched_optional=[label(m) for m in ex.get("matched_optional", [])],
        missing=[label(m) for m in ex.get("missing_essential", [])],
        partial=[
            {
                "label": label(p),
                "held": label(p, "held_uri", "held_label"),
                "requirement": p.get("requirement", ""),
                "credit": float(p.get("credit", 0.0)),
                "relation": p.get("relation", ""),
            }
            for p in ex.get("partial_credits", [])
        ],
        rules=[
            (str(r.get("rule", "")), bool(r.get("passed")), str(r.get("detail", "")))
            for r in ex.get("rules", [])
        ],
        locked=bool(ex.get("locked")),
        proposed=proposed is not None,
    )


# --- curation -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurationRow:
    id: int
    kind: CurationKind
    text: str
    lang: str | None
    guesses: list[tuple[str, str, float]]
    concept_uri: str | None
    concept_label: str | None
    candidates: int
    openings: int
    decided_at: datetime | None


def _curated_rows(session: Session) -> dict[tuple[str, str], tuple[set[int], set[int]]]:
    """Per (concept, folded text): the candidates and openings a confirmation re-resolved."""
    out: dict[tuple[str, str], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    sides: tuple[tuple[Any, Any], ...] = (
        (CandidateConcept, CandidateConcept.candidate_id),
        (OpeningConcept, OpeningConcept.opening_id),
    )
    for side, (table, owner) in enumerate(sides):
        for owner_id, uri, text in session.execute(
            sa.select(owner, table.concept_uri, table.source_text).where(table.method == "curated")
        ):
            out[(uri, synonym_key(text))][side].add(owner_id)
    return out


def curation_items(
    session: Session,
    *,
    status: CurationStatus,
    usage: Mapping[tuple[CurationKind, str], tuple[int, int]],
    taxonomy: Taxonomy,
    lang: str,
    limit: int = 200,
) -> tuple[list[CurationRow], int]:
    """Up to ``limit`` items of ``status`` (open: oldest first; else newest first) with where
    they apply: open items, the profiles holding the text (``usage``); confirmed ones, the
    profiles the confirmation re-resolved. Also the number of items of that status."""
    order = col(CurationItem.id) if status == "open" else col(CurationItem.id).desc()
    items = session.exec(
        select(CurationItem).where(col(CurationItem.status) == status).order_by(order).limit(limit)
    ).all()
    total = session.exec(
        select(func.count()).select_from(CurationItem).where(col(CurationItem.status) == status)
    ).one()
    curated = _curated_rows(session) if status == "confirmed" else {}
    rows = []
    for item in items:
        assert item.id is not None
        if status == "confirmed" and item.concept_uri:
            cands, opens = curated.get((item.concept_uri, item.text_key), (set(), set()))
            counts = (len(cands), len(opens))
        else:
            counts = usage.get((item.kind, item.text_key), (0, 0))
        rows.append(
            CurationRow(
                id=item.id,
                kind=item.kind,
                text=item.text,
                lang=item.lang,
                guesses=[
                    (
                        str(g.get("uri", "")),
                        label_of(taxonomy, str(g.get("uri", "")), str(g.get("label", "")), lang),
                        float(g.get("score", 0.0)),  # type: ignore[arg-type]
                    )
                    for g in item.guesses
                ],
                concept_uri=item.concept_uri,
                concept_label=(
                    label_of(taxonomy, item.concept_uri, item.concept_uri, lang)
                    if item.concept_uri
                    else None
                ),
                candidates=counts[0],
                openings=counts[1],
                decided_at=as_utc(item.decided_at) if item.decided_at else None,
            )
        )
    return rows, total


# --- audit ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor_user_id: int | None
    action: str
    subject: str
    payload: str


def audit_rows(
    session: Session, *, before: int | None, action: str | None, limit: int = AUDIT_PAGE
) -> tuple[list[AuditRow], int | None]:
    """A page of audit records, newest first (ids below ``before``), optionally those whose
    action starts with ``action``; and the ``before`` of the next page (None: last page)."""
    query = select(AuditRecord).order_by(col(AuditRecord.id).desc()).limit(limit + 1)
    if before is not None:
        query = query.where(col(AuditRecord.id) < before)
    if action:
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(AuditRecord.action).like(f"{escaped}%", escape="\\"))
    records = session.exec(query).all()
    rows = [
        AuditRow(
            id=r.id,
            at=as_utc(r.at),
            actor_user_id=r.actor_user_id,
            action=r.action,
            subject=f"{r.subject_type} {r.subject_id}",
            payload=", ".join(f"{k}={v}" for k, v in sorted(r.payload.items())),
        )
        for r in records[:limit]
    ]
    return rows, (rows[-1].id if len(records) > limit else None)
