"""The staff pages under ``/ui``: thin handlers that load a page's records (``api.ui.views``),
call the same services as the API (``api.review``, ``api.curation``, ``api.reports``) and
render a template (``api.ui.pages``: language, CSRF, flash messages, errors as pages).
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from api import review
from api.auth import Principal, authenticate, hash_token
from api.curation import confirm, dismiss, load_item, refresh_normaliser, sync_queue, usage
from api.db import open_session
from api.deps import MAX_ID, PUBLIC, EngineDep, SessionDep, SettingsDep
from api.errors import FieldProblem, InvalidInputError, NotFoundError
from api.models.curation import CurationStatus
from api.models.review import Decision, DecisionAction
from api.models.rounds import Round
from api.reports import programme_report, relabelled, report_csv, round_report
from api.routes._esco import EscoDep, set_esco
from api.ui import charts, views
from api.ui.i18n import Translator
from api.ui.pages import STATIC_DIR, UiRoute, page_language, redirect, render
from api.ui.session import (
    StaffPage,
    UiSession,
    clear_session,
    set_flash,
    verify_csrf,
    write_session,
)

__all__ = ["STATIC_DIR", "UiRoute", "router"]

router = APIRouter(route_class=UiRoute, include_in_schema=False)

Staff = Annotated[Principal, Depends(StaffPage("staff", "admin"))]
StaffForm = Annotated[Principal, Depends(StaffPage("staff", "admin", form=True))]
RoundId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
ObjectId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Id = Annotated[int, Form(ge=1, le=MAX_ID)]


def _taxonomy(request: Request) -> Any:
    return request.app.state.normaliser.normalizer.taxonomy


# --- sign-in --------------------------------------------------------------------------------


@router.get("", dependencies=[PUBLIC])
def home() -> Response:
    return RedirectResponse("/ui/dashboard", status_code=303)


def _safe_next(target: str | None) -> str:
    """Only a page of this site (no scheme, no host, no backslash tricks)."""
    if target and target.startswith("/ui/") and "//" not in target and "\\" not in target:
        return target
    return "/ui/dashboard"


@router.get("/signin", dependencies=[PUBLIC])
def signin_page(
    request: Request, next_page: Annotated[str | None, Query(alias="next", max_length=500)] = None
) -> Response:
    return render(request, "signin.html", principal=None, next_page=_safe_next(next_page))


@router.post("/signin", dependencies=[PUBLIC])
async def signin(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    next_page: Annotated[str, Form(alias="next", max_length=500)] = "/ui/dashboard",
) -> Response:
    await verify_csrf(request)  # the sign-in form carries the anonymous session's token
    t = Translator(page_language(request))
    engine = request.app.state.engine
    with open_session(engine, mode="read") as session:
        principal = authenticate(session, token.strip())
    again = "/ui/signin?" + urlencode({"next": _safe_next(next_page)})
    if principal is None:
        return redirect(request, again, "error", t("signin.bad_token"))
    if principal.access_role not in ("staff", "admin"):
        return redirect(request, again, "error", t("signin.not_staff"))
    response = RedirectResponse(_safe_next(next_page), status_code=303)
    # A new session (new CSRF token) on sign-in: nothing from before carries over.
    write_session(request, response, UiSession.new(hash_token(token.strip())))
    return response


@router.post("/signout")
def signout(request: Request, _principal: StaffForm) -> Response:
    t = Translator(page_language(request))
    response = RedirectResponse("/ui/signin", status_code=303)
    clear_session(request, response)
    set_flash(request, response, "info", t("signin.signed_out"))
    return response


# --- dashboard ------------------------------------------------------------------------------


@router.get("/dashboard")
def dashboard_page(request: Request, principal: Staff, session: SessionDep) -> Response:
    t = Translator(page_language(request))
    data = views.dashboard(session, _taxonomy(request), t.lang)
    funnel = programme_report(session).funnel
    reached = [(t(f"stage.{s.stage}"), s.count) for s in funnel.reached]
    return render(
        request,
        "dashboard.html",
        principal=principal,
        data=data,
        funnel=funnel,
        funnel_svg=charts.funnel(reached, title=t("dash.funnel")) if funnel.total else None,
        country_svg=charts.hbars(
            [charts.Bar(c, n) for c, n in data.open_by_country], title=t("dash.open_by_country")
        )
        if data.open_by_country
        else None,
    )


@router.get("/rounds")
def rounds_page(request: Request, principal: Staff, session: SessionDep) -> Response:
    return render(request, "rounds.html", principal=principal, rounds=views.rounds(session))


# --- round review ---------------------------------------------------------------------------


def _load_round(session: Session, round_id: int) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise NotFoundError("round", round_id)
    return found


def _pair(
    request: Request, session: Session, lang: str, round_id: int, opening_id: int, candidate_id: int
) -> views.PairView | None:
    return views.pair_view(
        session,
        round_id=round_id,
        opening_id=opening_id,
        candidate_id=candidate_id,
        taxonomy=_taxonomy(request),
        lang=lang,
    )


def _history(session: Session, round_id: int, opening_id: int, candidate_id: int) -> list[Any]:
    return list(
        session.exec(
            select(Decision)
            .where(
                col(Decision.round_id) == round_id,
                col(Decision.opening_id) == opening_id,
                (col(Decision.candidate_id) == candidate_id)
                | (col(Decision.new_candidate_id) == candidate_id),
            )
            .order_by(col(Decision.id))
        ).all()
    )


def _breakdown(t: Translator, view: views.PairView) -> Any:
    return charts.stacked_bar(
        [(t(f"term.{name}"), value) for name, value in view.terms],
        title=t("expl.breakdown"),
        maximum=1.0,
    )


def _parse_pair(pair: str | None) -> tuple[int, int] | None:
    if not pair or pair.count("-") != 1:
        return None
    opening, candidate = pair.split("-")
    if not (opening.isdigit() and candidate.isdigit()):
        return None
    return int(opening), int(candidate)


@router.get("/rounds/{round_id}")
def round_page(
    request: Request,
    round_id: RoundId,
    principal: Staff,
    session: SessionDep,
    pair: Annotated[str | None, Query(max_length=40, pattern=r"^(\d{1,10}-\d{1,10})?$")] = None,
) -> Response:
    t = Translator(page_language(request))
    found = _load_round(session, round_id)
    if found.status != "done":
        return render(request, "round.html", principal=principal, round=found, done=False)
    proposed, extra = views.decision_states(session, round_id)
    rows = views.round_assignments(session, round_id, _taxonomy(request), t.lang, proposed, extra)
    unassigned, reasons = views.unassigned(found.result)
    selected = _parse_pair(pair)
    view = _pair(request, session, t.lang, round_id, *selected) if selected else None
    published = review.publication(session, round_id)
    return render(
        request,
        "round.html",
        principal=principal,
        round=found,
        done=True,
        rows=rows,
        states=sorted({r.state for r in rows}),
        state_labels={s: t(f"decision.{s}") for s in {r.state for r in rows}},
        unassigned=unassigned,
        reasons=sorted(reasons.items()),
        unassigned_total=sum(reasons.values()),
        metrics=(found.result or {}).get("metrics") or {},
        view=view,
        breakdown=_breakdown(t, view) if view else None,
        history=_history(session, round_id, *selected) if selected and view else [],
        undecided=sum(1 for r in rows if r.state == "undecided"),
        publication=published,
    )


@router.get("/rounds/{round_id}/pairs/{opening_id}/{candidate_id}")
def pair_panel(
    request: Request,
    round_id: RoundId,
    opening_id: ObjectId,
    candidate_id: ObjectId,
    principal: Staff,
    session: SessionDep,
) -> Response:
    """The side panel alone (the page's script swaps it in without a reload)."""
    t = Translator(page_language(request))
    found = _load_round(session, round_id)
    view = _pair(request, session, t.lang, round_id, opening_id, candidate_id)
    if view is None:
        raise NotFoundError(f"pair of round {round_id}", f"({candidate_id}, {opening_id})")
    return render(
        request,
        "_pair.html",
        principal=principal,
        round=found,
        view=view,
        breakdown=_breakdown(t, view),
        history=_history(session, round_id, opening_id, candidate_id),
        publication=review.publication(session, round_id),
    )


@router.post("/rounds/{round_id}/decisions")
def decide_pair(
    request: Request,
    round_id: RoundId,
    principal: StaffForm,
    session: SessionDep,
    opening_id: Id,
    candidate_id: Id,
    action: Annotated[DecisionAction, Form()],
    reason_code: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=1000)] = "",
    new_candidate_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    t = Translator(page_language(request))
    new_id = new_candidate_id.strip()
    if new_id and not new_id.isdigit():
        raise InvalidInputError(
            [FieldProblem(loc=("body", "new_candidate_id"), msg="must be a candidate id")]
        )
    review.decide(
        session,
        round_id=round_id,
        opening_id=opening_id,
        candidate_id=candidate_id,
        action=action,
        reason_code=reason_code,
        reason=reason,
        actor=principal,
        new_candidate_id=int(new_id) if new_id else None,
    )
    session.commit()
    shown = int(new_id) if action == "override" and new_id else candidate_id
    return redirect(
        request,
        f"/ui/rounds/{round_id}?pair={opening_id}-{shown}#panel",
        "info",
        t("action.done", action=t(f"decision.{action}")),
    )


@router.post("/rounds/{round_id}/publish")
def publish_round(
    request: Request,
    round_id: RoundId,
    principal: StaffForm,
    session: SessionDep,
    settings: SettingsDep,
    sign_off_reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    t = Translator(page_language(request))
    result = review.publish(
        session,
        round_id=round_id,
        actor=principal,
        sign_off_reason=sign_off_reason.strip() or None,
        threshold=settings.impact_ratio_threshold,
    )
    session.commit()
    return redirect(
        request,
        f"/ui/rounds/{round_id}",
        "info",
        t("publish.done", published=result.published, rejected=result.rejected),
    )


# --- curation -------------------------------------------------------------------------------


@router.get("/curation")
def curation_page(
    request: Request,
    principal: Staff,
    engine: EngineDep,
    normaliser: EscoDep,
    status: Annotated[CurationStatus, Query()] = "open",
    item: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    t = Translator(page_language(request))
    with open_session(engine, mode="write") as session:
        sync_queue(session, normaliser)
        session.commit()
        rows, total = views.curation_items(
            session,
            status=status,
            usage=usage(session),
            taxonomy=normaliser.normalizer.taxonomy,
            lang=t.lang,
        )
    results: list[tuple[str, str, float]] = []
    searched = next((r for r in rows if r.id == item), None) if item else None
    query = (q or "").replace("\x00", " ").strip()
    if searched is not None and query:
        [found] = normaliser.normalizer.normalize([query], kind=searched.kind, top_k=10)
        taxonomy = normaliser.normalizer.taxonomy
        results = [
            (m.uri, views.label_of(taxonomy, m.uri, m.label, t.lang), m.score)
            for m in found.matches
        ]
    return render(
        request,
        "curation.html",
        principal=principal,
        status=status,
        rows=rows,
        total=total,
        searched=searched,
        query=query,
        results=results,
    )


@router.post("/curation/{item_id}/confirm")
def confirm_item(
    request: Request,
    item_id: ObjectId,
    principal: StaffForm,
    session: SessionDep,
    normaliser: EscoDep,
    concept_uri: Annotated[str, Form(min_length=1, max_length=255)],
) -> Response:
    t = Translator(page_language(request))
    item = load_item(session, item_id)
    updated = confirm(
        session, item, concept_uri=concept_uri, user_id=principal.user_id, normaliser=normaliser
    )
    text = item.text
    session.commit()
    set_esco(request, refresh_normaliser(session, normaliser))
    label = views.label_of(normaliser.normalizer.taxonomy, concept_uri, concept_uri, t.lang)
    return redirect(
        request,
        "/ui/curation",
        "info",
        t("cur.confirmed", text=text, label=label, rows=updated),
    )


@router.post("/curation/{item_id}/dismiss")
def dismiss_item(
    request: Request, item_id: ObjectId, principal: StaffForm, session: SessionDep
) -> Response:
    t = Translator(page_language(request))
    item = load_item(session, item_id)
    dismiss(session, item, user_id=principal.user_id)
    text = item.text
    session.commit()
    return redirect(request, "/ui/curation", "info", t("cur.dismissed", text=text))


# --- reports --------------------------------------------------------------------------------


def _report(session: Session, round_id: int | None) -> Any:
    return programme_report(session) if round_id is None else round_report(session, round_id)


@router.get("/reports")
def reports_page(
    request: Request,
    principal: Staff,
    session: SessionDep,
    settings: SettingsDep,
    round_id: Annotated[int | None, Query(alias="round", ge=1, le=MAX_ID)] = None,
) -> Response:
    t = Translator(page_language(request))
    done = [r for r in views.rounds(session) if r.status == "done"]
    if not done:
        return render(request, "reports.html", principal=principal, report=None, done=done)
    report = relabelled(_report(session, round_id), _taxonomy(request), lang=t.lang)
    scores = report.score_distribution
    histogram = (
        charts.histogram(
            [b.lower for b in scores] + [scores[-1].upper or scores[-1].lower + 0.1],
            [b.count for b in scores],
            title=t("rep.scores"),
        )
        if report.pairs and scores
        else None
    )
    group_charts = []
    for g in report.fairness:
        bars = [
            charts.Bar(
                r.group,
                r.rate or 0.0,
                text=t("rep.suppressed")
                if r.suppressed
                else f"{(r.rate or 0):.0%} · IR {(r.impact_ratio or 0):.2f}",
                css="bar-muted"
                if r.suppressed
                else (
                    "bar-warn" if (r.impact_ratio or 1) < settings.impact_ratio_threshold else "bar"
                ),
            )
            for r in g.groups
        ]
        title = f"{t('rep.dim.' + g.dimension)} — {t('rep.basis.' + g.basis)}"
        group_charts.append(
            (g, title, charts.hbars(bars, title=title, maximum=1.0) if bars else None)
        )
    needs = (
        charts.hbars(
            [
                charts.Bar(n.label, n.count, text=f"{n.count} ({n.share:.0%})")
                for n in report.training_needs
            ],
            title=t("rep.needs"),
        )
        if report.training_needs
        else None
    )
    overrides = (
        charts.hbars(
            [
                charts.Bar(
                    t("rep.reviewer", id=r.reviewer),
                    r.override_rate,
                    text=f"{r.override_rate:.0%} ({r.overrides}/{r.decisions})",
                )
                for r in report.reviewers
            ],
            title=t("rep.overrides"),
            maximum=1.0,
        )
        if report.reviewers
        else None
    )
    return render(
        request,
        "reports.html",
        principal=principal,
        report=report,
        done=done,
        round_id=round_id,
        histogram=histogram,
        group_charts=group_charts,
        needs=needs,
        overrides=overrides,
        threshold=settings.impact_ratio_threshold,
    )


#: Sections of the report's CSV a chart offers alone (``api.reports.report_csv``'s first column).
CsvSection = Literal[
    "funnel", "funnel_reached", "score_distribution", "training_needs", "fairness",
    "price_of_fairness", "reviewers",
]  # fmt: skip


def _section(text: str, section: str) -> str:
    """The header and the rows of one section of the report's CSV."""
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([rows[0], *(row for row in rows[1:] if row and row[0] == section)])
    return out.getvalue()


@router.get("/reports.csv")
def report_download(
    principal: Staff,
    session: SessionDep,
    round_id: Annotated[int | None, Query(alias="round", ge=1, le=MAX_ID)] = None,
    section: Annotated[CsvSection | None, Query()] = None,
) -> Response:
    """The report as CSV: every figure, or one chart's (``section``)."""
    del principal
    name = "programme" if round_id is None else f"round-{round_id}"
    text = report_csv(_report(session, round_id))
    if section is not None:
        text, name = _section(text, section), f"{name}-{section}"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-{quote(name)}.csv"'},
    )


# --- audit ----------------------------------------------------------------------------------


@router.get("/audit")
def audit_page(
    request: Request,
    principal: Staff,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]*$")] = None,
) -> Response:
    rows, next_before = views.audit_rows(session, before=before, action=action)
    return render(
        request,
        "audit.html",
        principal=principal,
        rows=rows,
        next_before=next_before,
        action=action or "",
        before=before,
    )
