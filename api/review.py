"""Human review of a finished round: decisions on its pairs, the review state, publication.

A round's pairs are proposals until staff decide (``decide``): accept, reject, lock, or
override (put another candidate on the place), each with a reason code and a free-text reason.
The latest decision on a pair wins; the history stays. ``review_state`` lists every proposed
pair with its latest decision, and the pairs overrides put in.

``publish`` makes the round visible to its employers: it is refused while any proposed pair
lacks a decision; it publishes the accepted, locked and overridden-in pairs (rejected and
overridden-out pairs are not published), opening one ``Placement`` per published pair at stage
``shortlisted``. The fairness gate: when the lowest impact ratio of the published placement
rates by gender, origin or agency (groups under ``matching.fairness.MIN_GROUP`` suppressed) is
below the threshold, publishing needs a staff sign-off reason, recorded and audited.

Staff re-optimise a reviewed round with ``api.reoptimisation.reoptimise_round``.

Every act is audited (``api.audit``) in the caller's transaction: the caller commits. Errors
are ``api.errors`` exceptions: 404 for a missing round or pair, 409 for a round not done or
already published, 422 naming the field for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

from api import audit
from api.auth import Principal
from api.errors import ConflictError, FieldProblem, InvalidInputError, NotFoundError
from api.models._types import utc_now
from api.models.candidates import Candidate
from api.models.organisations import Organisation
from api.models.placements import Placement
from api.models.review import (
    DECISION_ACTIONS,
    MAX_REASON,
    REASON_CODES,
    Decision,
    DecisionAction,
    DecisionPublic,
    LowestImpact,
    PairState,
    PublishResult,
    RoundPublication,
)
from api.models.rounds import Round, RoundAssignment
from api.pagination import paginate
from api.pair_scores import score_pairs
from api.settings import get_settings
from matching.fairness import group_rates, lowest_impact_ratio
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "Pair",
    "decide",
    "fairness_rates",
    "latest_decisions",
    "load_done_round",
    "publication",
    "publish",
    "published_rows",
    "review_state",
]

Pair = tuple[int, int]
#: Only this many undecided pairs are named in the refusal to publish.
_NAMED = 5


def load_done_round(session: Session, round_id: int) -> Round:
    """The round (404 when missing), once done (409 otherwise)."""
    _check_done(session, round_id)
    found = session.get(Round, round_id)
    assert found is not None
    return found


def _check_done(session: Session, round_id: int) -> None:
    """``load_done_round``'s checks without reading the round's (large) result."""
    status = session.exec(select(Round.status).where(col(Round.id) == round_id)).first()
    if status is None:
        raise NotFoundError("round", round_id)
    if status != "done":
        raise ConflictError(f"round {round_id} is {status}: only a done round is reviewed")


def publication(session: Session, round_id: int) -> RoundPublication | None:
    return session.exec(
        select(RoundPublication).where(col(RoundPublication.round_id) == round_id)
    ).first()


def _problem(field: str, msg: str, kind: str = "value_error") -> FieldProblem:
    return FieldProblem(loc=("body", field), msg=msg, type=kind)


def _check_reason(text: object, field: str) -> list[FieldProblem]:
    if not isinstance(text, str) or not text.strip():
        return [_problem(field, "a reason is required (free text)", "missing")]
    if len(text) > MAX_REASON:
        return [_problem(field, f"at most {MAX_REASON} characters", "string_too_long")]
    return []


def _check_decision(
    action: str, reason_code: str, reason: object, candidate_id: int, new: int | None
) -> list[FieldProblem]:
    problems = []
    if action not in DECISION_ACTIONS:
        problems.append(_problem("action", f"expected one of {', '.join(DECISION_ACTIONS)}"))
    if reason_code not in REASON_CODES:
        problems.append(_problem("reason_code", f"expected one of {', '.join(REASON_CODES)}"))
    problems += _check_reason(reason, "reason")
    if action == "override" and new is None:
        problems.append(_problem("new_candidate_id", "an override names the new candidate"))
    elif action == "override" and new == candidate_id:
        problems.append(_problem("new_candidate_id", "is the candidate being replaced"))
    elif action != "override" and new is not None:
        problems.append(_problem("new_candidate_id", "only an override names a new candidate"))
    return problems


def decide(
    session: Session,
    *,
    round_id: int,
    opening_id: int,
    candidate_id: int,
    action: DecisionAction,
    reason_code: str,
    reason: str,
    actor: Principal,
    new_candidate_id: int | None = None,
    taxonomy: Taxonomy | None = None,
) -> Decision:
    """Record a decision on the proposed pair (``candidate_id``, ``opening_id``) of the round,
    audited ``decision.<action>`` with the previous decision (the caller commits). An
    override's new pair is scored and explained with ``taxonomy`` (default: the bundled one)."""
    problems = _check_decision(action, reason_code, reason, candidate_id, new_candidate_id)
    if problems:
        raise InvalidInputError(problems)
    _check_done(session, round_id)
    if publication(session, round_id) is not None:
        raise ConflictError(f"round {round_id} is published: re-optimise it to change a pair")
    proposed = session.exec(
        select(RoundAssignment).where(
            col(RoundAssignment.round_id) == round_id,
            col(RoundAssignment.candidate_id) == candidate_id,
            col(RoundAssignment.opening_id) == opening_id,
        )
    ).first()
    if proposed is None:
        raise NotFoundError(f"pair of round {round_id}", f"({candidate_id}, {opening_id})")
    new_score: float | None = None
    new_explanation: dict[str, Any] | None = None
    if new_candidate_id is not None:
        if session.get(Candidate, new_candidate_id) is None:
            raise InvalidInputError(
                [_problem("new_candidate_id", f"no candidate {new_candidate_id}", "not_found")]
            )
        policy = session.exec(select(Round.policy).where(col(Round.id) == round_id)).one()
        scored = score_pairs(
            session, [(new_candidate_id, opening_id)], policy=policy, taxonomy=taxonomy
        )
        new_score, new_explanation = scored[(new_candidate_id, opening_id)]
    previous = latest_decisions(session, round_id, pairs=[(candidate_id, opening_id)]).get(
        (candidate_id, opening_id)
    )
    decision = Decision(
        round_id=round_id,
        candidate_id=candidate_id,
        opening_id=opening_id,
        action=action,
        reason_code=reason_code,  # type: ignore[arg-type]  # checked above
        reason=reason.strip(),
        new_candidate_id=new_candidate_id,
        new_score=new_score,
        new_explanation=new_explanation,
        decided_by=actor.user_id,
    )
    session.add(decision)
    session.flush()
    audit.append(
        session,
        actor_user_id=actor.user_id,
        action=f"decision.{action}",
        subject_type="round",
        subject_id=round_id,
        payload={
            "decision_id": decision.id,
            "candidate_id": candidate_id,
            "opening_id": opening_id,
            "old": None if previous is None else previous.action,
            "old_decision_id": None if previous is None else previous.id,
            "new": action,
            "reason_code": reason_code,
            "new_candidate_id": new_candidate_id,
        },
    )
    return decision


def latest_decisions(
    session: Session, round_id: int, *, pairs: Iterable[Pair] | None = None
) -> dict[Pair, Decision]:
    """The latest decision per (candidate, opening) pair of the round (of ``pairs``)."""
    return {pair: history[-1] for pair, history in _histories(session, round_id, pairs).items()}


def _histories(
    session: Session, round_id: int, pairs: Iterable[Pair] | None = None
) -> dict[Pair, list[Decision]]:
    where = [col(Decision.round_id) == round_id, col(Decision.candidate_id).is_not(None)]
    if pairs is not None:
        wanted = list(pairs)
        where.append(col(Decision.candidate_id).in_(sorted({c for c, _ in wanted})))
        where.append(col(Decision.opening_id).in_(sorted({o for _, o in wanted})))
    out: dict[Pair, list[Decision]] = {}
    for decision in session.exec(select(Decision).where(*where).order_by(col(Decision.id))):
        assert decision.candidate_id is not None
        out.setdefault((decision.candidate_id, decision.opening_id), []).append(decision)
    return out


def _public(decision: Decision) -> DecisionPublic:
    return DecisionPublic.model_validate(decision, from_attributes=True)


def review_state(session: Session, round_id: int) -> list[PairState]:
    """Every proposed pair of the round with its latest decision (and the earlier ones), then
    the pairs overrides put in (round 404 when missing, 409 when not done)."""
    _check_done(session, round_id)
    # Columns only: the explanations (most of a row's bytes) are not needed here.
    rows = session.exec(
        select(
            RoundAssignment.candidate_id,
            RoundAssignment.opening_id,
            RoundAssignment.employer_id,
            RoundAssignment.score,
        )
        .where(col(RoundAssignment.round_id) == round_id)
        .order_by(col(RoundAssignment.id))
    ).all()
    histories = _histories(session, round_id)
    states: list[PairState] = []
    overridden_in: list[PairState] = []
    for candidate_id, opening_id, employer_id, score in rows:
        history = histories.get((candidate_id, opening_id), [])
        latest = history[-1] if history else None
        action = "undecided" if latest is None else latest.action
        states.append(
            PairState(
                candidate_id=candidate_id,
                opening_id=opening_id,
                employer_id=employer_id,
                score=score,
                proposed=True,
                state=action,
                published=action in ("accept", "lock"),
                decision=None if latest is None else _public(latest),
                history=[_public(d) for d in history[:-1]],
            )
        )
        if latest is not None and latest.action == "override":
            overridden_in.append(
                PairState(
                    candidate_id=latest.new_candidate_id,
                    opening_id=opening_id,
                    employer_id=employer_id,
                    score=latest.new_score,
                    proposed=False,
                    state="overridden_in",
                    published=latest.new_candidate_id is not None,
                    decision=_public(latest),
                )
            )
    return states + overridden_in


def _candidates_of_round(found: Round, states: Sequence[PairState]) -> set[int]:
    """Every candidate the round considered (assigned or not), and those overrides put in."""
    ids = {s.candidate_id for s in states if s.candidate_id is not None}
    for entry in (found.result or {}).get("unassigned", []):
        candidate = str(entry.get("candidate", "")) if isinstance(entry, dict) else ""
        if candidate.isdigit():
            ids.add(int(candidate))
    return ids


def fairness_rates(
    session: Session, population: set[int], selected: set[int]
) -> dict[str, dict[str, dict[str, object]]]:
    """Per dimension (gender, origin, agency), the selection rates of ``population``."""
    rows = session.exec(
        select(Candidate.id, Candidate.gender, Candidate.country, Organisation.name)
        .join(Organisation, col(Organisation.id) == col(Candidate.agency_id))
        .where(col(Candidate.id).in_(sorted(population)))
    ).all()
    return {  # agencies by name, as the reports name them
        "gender": group_rates((g or "unknown", i in selected) for i, g, _, _ in rows),
        "origin": group_rates((country, i in selected) for i, _, country, _ in rows),
        "agency": group_rates((name, i in selected) for i, _, _, name in rows),
    }


def publish(
    session: Session,
    *,
    round_id: int,
    actor: Principal,
    sign_off_reason: str | None = None,
    threshold: float | None = None,
) -> PublishResult:
    """Publish the round (see the module docstring); ``threshold`` defaults to the settings'
    ``impact_ratio_threshold``. Audited ``round.signed_off`` (when the gate applied) and
    ``round.published``; the caller commits."""
    found = load_done_round(session, round_id)
    if publication(session, round_id) is not None:
        raise ConflictError(f"round {round_id} is already published")
    limit = get_settings().impact_ratio_threshold if threshold is None else threshold
    states = review_state(session, round_id)
    undecided = [s for s in states if s.state == "undecided"]
    if undecided:
        named = ", ".join(f"({s.candidate_id}, {s.opening_id})" for s in undecided[:_NAMED])
        raise ConflictError(
            f"{len(undecided)} pair(s) of round {round_id} have no decision, e.g. {named}: "
            "every pair needs one before publishing"
        )
    chosen = [s for s in states if s.published and s.candidate_id is not None]
    seen: set[int] = set()
    for s in chosen:
        assert s.candidate_id is not None
        if s.candidate_id in seen:
            raise ConflictError(
                f"candidate {s.candidate_id} would be published on two places: "
                "change one of the decisions"
            )
        seen.add(s.candidate_id)
    lowest = lowest_impact_ratio(fairness_rates(session, _candidates_of_round(found, states), seen))
    gated = lowest is not None and lowest[2] < limit
    if gated:
        assert lowest is not None
        if not (sign_off_reason or "").strip():
            raise ConflictError(
                f"the impact ratio of {lowest[0]} group {lowest[1]!r} is {lowest[2]:.3f}, "
                f"below the threshold {limit}: publishing needs a sign_off_reason"
            )
        problems = _check_reason(sign_off_reason, "sign_off_reason")
        if problems:
            raise InvalidInputError(problems)
    placements = [
        Placement(
            round_id=round_id,
            candidate_id=s.candidate_id,
            opening_id=s.opening_id,
            employer_id=s.employer_id,
            score=s.score if s.score is not None else 0.0,
            stage="shortlisted",
        )
        for s in chosen
    ]
    session.add_all(placements)
    record = RoundPublication(
        round_id=round_id,
        published_by=actor.user_id,
        published_at=utc_now(),
        pairs=len(placements),
        lowest_dimension=None if lowest is None else lowest[0],
        lowest_group=None if lowest is None else lowest[1][:64],
        lowest_ratio=None if lowest is None else lowest[2],
        threshold=limit,
        sign_off_reason=sign_off_reason.strip() if gated and sign_off_reason else None,
    )
    session.add(record)
    session.flush()
    gate = {
        "threshold": limit,
        "dimension": None if lowest is None else lowest[0],
        "group": None if lowest is None else lowest[1][:64],
        "ratio": None if lowest is None else lowest[2],
    }
    if gated:
        audit.append(
            session,
            actor_user_id=actor.user_id,
            action="round.signed_off",
            subject_type="round",
            subject_id=round_id,
            payload={**gate, "publication_id": record.id},
        )
    rejected = sum(1 for s in states if s.state in ("reject", "override"))
    audit.append(
        session,
        actor_user_id=actor.user_id,
        action="round.published",
        subject_type="round",
        subject_id=round_id,
        payload={
            **gate,
            "publication_id": record.id,
            "published": len(placements),
            "not_published": rejected,
            "signed_off": gated,
            "output_hash": found.output_hash,
        },
    )
    return PublishResult(
        round_id=round_id,
        published=len(placements),
        rejected=rejected,
        placement_ids=[p.id for p in placements if p.id is not None],
        threshold=limit,
        lowest_impact=None
        if lowest is None
        else LowestImpact(dimension=lowest[0], group=lowest[1][:64], ratio=lowest[2]),
        signed_off=gated,
        published_at=record.published_at,
    )


def published_rows(
    session: Session, round_id: int, *, employer_id: int, limit: int, after: int | None
) -> tuple[list[RoundAssignment], int, int | None]:
    """One page (by placement id) of the employer's published pairs of the round, as
    assignment rows (with their explanation): ``(rows, total, next_after)``. A round not
    published is a 404 to employers."""
    if publication(session, round_id) is None:
        raise NotFoundError("round", round_id)
    where = [
        col(Placement.round_id) == round_id,
        col(Placement.employer_id) == employer_id,
        col(Placement.candidate_id).is_not(None),
    ]
    page, total, next_after = paginate(session, Placement, where=where, limit=limit, after=after)
    pairs = [(p.candidate_id, p.opening_id) for p in page if p.candidate_id is not None]
    explanations = _explanations(session, round_id, pairs)
    rows = [
        RoundAssignment(
            id=p.id,
            round_id=round_id,
            candidate_id=p.candidate_id,
            opening_id=p.opening_id,
            employer_id=p.employer_id,
            score=p.score,
            explanation=explanations.get((p.candidate_id, p.opening_id), {}),
        )
        for p in page
        if p.candidate_id is not None
    ]
    return rows, total, next_after


def _explanations(session: Session, round_id: int, pairs: list[Pair]) -> dict[Pair, Any]:
    """The explanation of each pair: the round's, or the override's that put it in."""
    if not pairs:
        return {}
    c_ids = sorted({c for c, _ in pairs})
    out: dict[Pair, Any] = {}
    for row in session.exec(
        select(RoundAssignment).where(
            col(RoundAssignment.round_id) == round_id,
            col(RoundAssignment.candidate_id).in_(c_ids),
        )
    ):
        out[(row.candidate_id, row.opening_id)] = row.explanation
    for decision in session.exec(
        select(Decision)
        .where(
            col(Decision.round_id) == round_id,
            col(Decision.action) == "override",
            col(Decision.new_candidate_id).in_(c_ids),
        )
        .order_by(col(Decision.id).desc())
    ):
        assert decision.new_candidate_id is not None
        out.setdefault((decision.new_candidate_id, decision.opening_id), decision.new_explanation)
    return out
