"""Quality and fairness reports of a round and of the whole programme, as JSON or CSV.

Rows are read here and handed as plain values to ``matching.report``, which computes every
figure. What each report counts:

* **round**: the funnel of the round's placements (its published pairs): per stage, the
  placements there now, and those that reached it (from their stage history); the fill rate, places
  filled over places offered, from the round's stored metrics; the score distribution,
  essential-skill coverage and training needs over the round's assignments; group rates over
  the round's candidates (assigned, unassigned, and any an override put on a place, as the
  publishing gate counts them) — selected when assigned, and, once the round is published,
  when published (the gate's figures) and when placed; price of fairness and blocking pairs
  from the stored result when the round computed them; override rates from its decisions.
* **programme**: the funnel of every placement; the fill rate over the current openings (a
  place is filled by an open placement: any stage but ``closed``); scores, coverage and
  training needs over every placement (explanations from the assignments they came from);
  group rates over every current candidate (published, placed); price of fairness and
  blocking pairs of the latest finished round; override rates over every decision.

Group names: gender ("unknown" when not given), country of origin, and the agency's name.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from api.errors import ConflictError, NotFoundError
from api.models.candidates import Candidate
from api.models.openings import Opening
from api.models.organisations import Organisation
from api.models.pipeline import StageEvent
from api.models.placements import STAGES, Placement
from api.models.reports import (
    BinPublic,
    FillPublic,
    FunnelPublic,
    GroupReportPublic,
    ReportPublic,
    ReviewerRatePublic,
    SkillNeedPublic,
)
from api.models.review import Decision
from api.models.rounds import Round, RoundAssignment
from matching.records import SkillRef
from matching.report import (
    PairFacts,
    essential_coverage,
    fill,
    funnel,
    group_report,
    reached,
    reviewer_rates,
    score_histogram,
    training_needs,
)
from skills_taxonomy.errors import UnknownConceptError
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "PLACED_STAGES",
    "pair_facts",
    "programme_report",
    "relabelled",
    "report_csv",
    "round_report",
    "stored_blocking_pairs",
    "stored_price_of_fairness",
]

#: The pipeline stages in order, without ``closed`` (which ends a placement at any stage).
PROGRESSION = tuple(stage for stage in STAGES if stage != "closed")
#: Stages at which a candidate counts as placed.
PLACED_STAGES = frozenset(STAGES[STAGES.index("placed") : STAGES.index("closed")])
DIMENSIONS = ("gender", "origin", "agency")
#: Where a stored round result holds each figure (``matching.records``: ``Manifest.quotas``,
#: ``Metrics.stability``); absent in rounds without quotas, or stored before stability was.
_PRICE_OF_FAIRNESS = (("manifest", "quotas", "price_of_fairness"),)
_BLOCKING_PAIRS = (("metrics", "stability", "blocking_pairs"),)


class Member(NamedTuple):
    """A candidate and their groups."""

    id: int
    gender: str
    origin: str
    agency: str


def round_report(session: Session, round_id: int) -> ReportPublic:
    found = session.get(Round, round_id)
    if found is None:
        raise NotFoundError("round", round_id)
    if found.status != "done":
        raise ConflictError(f"round {round_id} is {found.status}: it has a report once done")
    result = found.result or {}
    assignments = session.execute(
        select(
            RoundAssignment.candidate_id, RoundAssignment.score, RoundAssignment.explanation
        ).where(col(RoundAssignment.round_id) == round_id)
    ).all()
    placements = session.execute(
        select(Placement.candidate_id, Placement.stage, Placement.close_reason).where(
            col(Placement.round_id) == round_id
        )
    ).all()
    assigned = {candidate for candidate, _score, _explanation in assignments}
    published = {c for c, _stage, _reason in placements if c is not None}
    # As the publishing gate counts them (``api.review``): assigned, unassigned, overridden in.
    population = assigned | _unassigned_ids(result.get("unassigned")) | published
    members = [m for m in _members(session) if m.id in population]
    selections: dict[str, set[int]] = {"assigned": assigned}
    if placements:
        selections["published"] = published
        selections["placed"] = {
            c for c, stage, _reason in placements if c is not None and stage in PLACED_STAGES
        }
    metrics = result.get("metrics") or {}
    places_total = metrics.get("places_total")
    filled = metrics.get("places_filled", len(assignments))
    return _report(
        scope="round",
        round_id=round_id,
        source=found,
        stages=[(stage, reason) for _c, stage, reason in placements],
        furthest=_furthest_stages(session, round_id),
        fill_figures=_fill(places_total, filled),
        pairs=[pair_facts(score, explanation) for _c, score, explanation in assignments],
        members=members,
        selections=selections,
        decisions=_decisions(session, round_id),
    )


def programme_report(session: Session) -> ReportPublic:
    rows = session.execute(
        select_columns(
            col(Placement.round_id),
            col(Placement.candidate_id),
            col(Placement.opening_id),
            col(Placement.stage),
            col(Placement.close_reason),
            col(Placement.score),
        )
    ).all()
    # The explanations of the published pairs, joined here rather than in SQL: with one index
    # per column, SQLite would scan a whole round's assignments for each placement.
    published_rounds = select(Placement.round_id).distinct()
    explained = {
        (round_id, candidate_id, opening_id): explanation
        for round_id, candidate_id, opening_id, explanation in session.execute(
            select_columns(
                col(RoundAssignment.round_id),
                col(RoundAssignment.candidate_id),
                col(RoundAssignment.opening_id),
                col(RoundAssignment.explanation),
            ).where(col(RoundAssignment.round_id).in_(published_rounds))
        )
    }
    placements = [
        (c, o, stage, reason, score, explained.get((r, c, o)))
        for r, c, o, stage, reason, score in rows
    ]
    open_per_opening = Counter(o for _c, o, stage, *_ in placements if stage != "closed")
    capacities = session.execute(select(Opening.id, Opening.capacity)).all()
    latest = session.exec(
        select(Round)
        .where(col(Round.status) == "done")
        .order_by(col(Round.finished_at).desc().nulls_last(), col(Round.id).desc())
        .limit(1)
    ).first()
    return _report(
        scope="programme",
        round_id=None,
        source=latest,
        stages=[(stage, reason) for _c, _o, stage, reason, *_ in placements],
        furthest=_furthest_stages(session, None),
        fill_figures=_fill(
            sum(capacity for _o, capacity in capacities),
            sum(min(open_per_opening[o], capacity) for o, capacity in capacities),
        ),
        pairs=[pair_facts(score, explanation) for *_, score, explanation in placements],
        members=_members(session),
        selections={
            "published": {c for c, *_ in placements if c is not None},
            "placed": {
                c for c, _o, stage, *_ in placements if c is not None and stage in PLACED_STAGES
            },
        },
        decisions=_decisions(session, None),
    )


def _report(
    *,
    scope: Literal["round", "programme"],
    round_id: int | None,
    source: Round | None,
    stages: Sequence[tuple[str, str | None]],
    furthest: Iterable[str],
    fill_figures: FillPublic,
    pairs: Sequence[PairFacts],
    members: Sequence[Member],
    selections: Mapping[str, set[int]],
    decisions: Iterable[tuple[int, str]],
) -> ReportPublic:
    result = (source.result if source else None) or {}
    scores = [p.score for p in pairs]
    fairness = []
    for basis, selected in selections.items():
        for dimension in DIMENSIONS:
            rows = ((str(getattr(m, dimension)), m.id in selected) for m in members)
            figures = group_report(dimension, rows)
            fairness.append(GroupReportPublic.model_validate({**_attrs(figures), "basis": basis}))
    price, blocking = stored_price_of_fairness(result), stored_blocking_pairs(result)
    return ReportPublic(
        scope=scope,
        round_id=round_id,
        source_round_id=source.id if source else None,
        funnel=FunnelPublic.model_validate(
            {
                **_attrs(funnel(stages, stages=STAGES)),
                "reached": reached(furthest, stages=PROGRESSION),
            }
        ),
        fill=fill_figures,
        pairs=len(pairs),
        mean_score=sum(scores) / len(scores) if scores else None,
        score_distribution=[BinPublic.model_validate(b) for b in score_histogram(scores)],
        essential_coverage=essential_coverage(pairs),
        training_needs=[SkillNeedPublic.model_validate(n) for n in training_needs(pairs)],
        fairness=fairness,
        price_of_fairness=price,
        blocking_pairs=blocking,
        reviewers=[ReviewerRatePublic.model_validate(r) for r in reviewer_rates(decisions)],
    )


def _attrs(figures: Any) -> dict[str, Any]:
    """A report record's fields (nested records as themselves: pydantic reads attributes)."""
    return {name: getattr(figures, name) for name in figures.__slots__}


def _furthest_stages(session: Session, round_id: int | None) -> list[str]:
    """The furthest stage each placement (of the round, or all) reached: its stage, or for a
    closed one the last stage its history shows it at (``shortlisted`` without history)."""
    rank = {stage: i for i, stage in enumerate(PROGRESSION)}
    placement_ids = select(col(Placement.id))
    if round_id is not None:
        placement_ids = placement_ids.where(col(Placement.round_id) == round_id)
    furthest: dict[int, int] = {}
    for placement_id, stage in session.execute(
        select(Placement.id, Placement.stage).where(col(Placement.id).in_(placement_ids))
    ):
        furthest[placement_id] = rank.get(stage, 0)
    for placement_id, source, target in session.execute(
        select(StageEvent.placement_id, StageEvent.from_stage, StageEvent.to_stage).where(
            col(StageEvent.placement_id).in_(placement_ids)
        )
    ):
        best = max(rank.get(source, 0), rank.get(target, 0))
        furthest[placement_id] = max(furthest.get(placement_id, 0), best)
    return [PROGRESSION[i] for i in furthest.values()]


def _fill(places_total: object, places_filled: object) -> FillPublic:
    filled = int(places_filled) if isinstance(places_filled, int | float) else 0
    if not isinstance(places_total, int | float):
        return FillPublic(places_total=None, places_filled=filled, fill_rate=None)
    return FillPublic.model_validate(fill(places_total=int(places_total), places_filled=filled))


def pair_facts(score: float, explanation: Mapping[str, Any] | None) -> PairFacts:
    """The report facts of a pair from its stored explanation (``matching.Explanation`` as
    JSON); a pair without one counts in the scores only."""
    if not explanation or not any(
        key in explanation for key in ("matched_essential", "missing_essential")
    ):
        return PairFacts(score=float(score), explained=False)
    partial = explanation.get("partial_credits") or []
    return PairFacts(
        score=float(score),
        matched_essential=len(explanation.get("matched_essential") or []),
        partial_essential=sum(1 for p in partial if p.get("requirement") == "essential"),
        missing_essential=tuple(
            SkillRef(uri=str(s["uri"]), label=str(s.get("label") or s["uri"]))
            for s in explanation.get("missing_essential") or []
        ),
    )


def _unassigned_ids(unassigned: object) -> set[int]:
    """Candidate ids of the stored ``unassigned`` list (the round's records use the row ids)."""
    ids: set[int] = set()
    for item in unassigned if isinstance(unassigned, list) else []:
        value = item.get("candidate") if isinstance(item, dict) else None
        if isinstance(value, int | str) and str(value).isdigit():
            ids.add(int(value))
    return ids


def _members(session: Session) -> list[Member]:
    """Every current candidate with their groups (erased candidates are gone: not counted)."""
    rows = session.execute(
        select(Candidate.id, Candidate.gender, Candidate.country, Organisation.name)
        .join(Organisation, col(Organisation.id) == col(Candidate.agency_id))
        .order_by(col(Candidate.id))
    ).all()
    return [
        Member(cid, gender or "unknown", country, agency) for cid, gender, country, agency in rows
    ]


def _decisions(session: Session, round_id: int | None) -> list[tuple[int, str]]:
    """``(reviewer, action)`` of every recorded decision (of the round, or all; a decision
    whose reviewer's account was deleted is left out)."""
    query = select(Decision.decided_by, Decision.action).where(
        col(Decision.decided_by).is_not(None)
    )
    if round_id is not None:
        query = query.where(col(Decision.round_id) == round_id)
    return [(reviewer, action) for reviewer, action in session.exec(query) if reviewer]


def stored_price_of_fairness(result: Mapping[str, Any]) -> float | None:
    """The price of fairness a stored round result holds (``manifest.quotas``), if any."""
    return _number(result, _PRICE_OF_FAIRNESS)


def stored_blocking_pairs(result: Mapping[str, Any]) -> int | None:
    """The blocking pairs a stored round result counted, if it did."""
    found = _number(result, _BLOCKING_PAIRS)
    return None if found is None else int(found)


def _number(result: Mapping[str, Any], paths: Iterable[tuple[str, ...]]) -> float | None:
    for path in paths:
        node: Any = result
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, int | float) and not isinstance(node, bool):
            return float(node)
    return None


def relabelled(report: ReportPublic, taxonomy: Taxonomy, *, lang: str) -> ReportPublic:
    """``report`` with its training needs labelled in ``lang`` (ESCO preferred labels, English
    when the taxonomy has none in ``lang``; a concept it lacks keeps its stored label)."""

    def label(uri: str, stored: str) -> str:
        try:
            return taxonomy.preferred_label(uri, lang=lang)
        except UnknownConceptError:
            return stored

    needs = [n.model_copy(update={"label": label(n.uri, n.label)}) for n in report.training_needs]
    return report.model_copy(update={"training_needs": needs})


# --- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = ("section", "basis", "dimension", "item", "measure", "value")


def report_csv(report: ReportPublic) -> str:
    """The report as one long table: one figure a row, in ``CSV_COLUMNS`` (empty: null)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _csv_rows(report):
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _csv_rows(r: ReportPublic) -> Iterable[tuple[object, ...]]:
    yield ("report", "", "", "", "scope", r.scope)
    yield ("report", "", "", "", "round_id", r.round_id)
    yield ("report", "", "", "", "source_round_id", r.source_round_id)
    yield ("funnel", "", "", "total", "count", r.funnel.total)
    for s in r.funnel.stages:
        yield ("funnel", "", "", s.stage, "count", s.count)
    for s in r.funnel.reached:
        yield ("funnel_reached", "", "", s.stage, "count", s.count)
    for c in r.funnel.closed_by_reason:
        yield ("closed_by_reason", "", "", c.reason, "count", c.count)
    for name in ("places_total", "places_filled", "fill_rate"):
        yield ("fill", "", "", "", name, getattr(r.fill, name))
    yield ("scores", "", "", "", "pairs", r.pairs)
    yield ("scores", "", "", "", "mean", r.mean_score)
    for b in r.score_distribution:
        upper = "" if b.upper is None else f"{b.upper:.1f}"
        yield ("score_distribution", "", "", f"{b.lower:.1f}-{upper}", "count", b.count)
    yield ("essential_coverage", "", "", "", "share", r.essential_coverage)
    for n in r.training_needs:
        for measure in ("label", "count", "share"):
            yield ("training_needs", "", "", n.uri, measure, getattr(n, measure))
    for g in r.fairness:
        for rate in g.groups:
            if rate.suppressed:
                yield ("fairness", g.basis, g.dimension, rate.group, "suppressed", True)
                continue
            for measure in ("candidates", "selected", "rate", "impact_ratio"):
                yield (
                    "fairness",
                    g.basis,
                    g.dimension,
                    rate.group,
                    measure,
                    getattr(rate, measure),
                )
        yield ("fairness", g.basis, g.dimension, "", "lowest_group", g.lowest_group)
        yield ("fairness", g.basis, g.dimension, "", "lowest_impact_ratio", g.lowest_impact_ratio)
    yield ("price_of_fairness", "", "", "", "score", r.price_of_fairness)
    yield ("blocking_pairs", "", "", "", "count", r.blocking_pairs)
    for v in r.reviewers:
        for measure in ("decisions", "overrides", "override_rate"):
            yield ("reviewers", "", "", v.reviewer, measure, getattr(v, measure))
