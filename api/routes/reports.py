"""``/reports``: quality and fairness reports of a round and of the programme, for programme
staff, as JSON or — with ``?format=csv`` — as a CSV download (one figure a row).

The figures and what each counts: ``api.reports``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import Principal
from api.deps import MAX_ID, Allow, NormaliserDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.esco_normaliser import EscoProfileNormaliser
from api.models.reports import ReportPublic
from api.reports import programme_report, relabelled, report_csv, round_report

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)

Staff = Annotated[Principal, Depends(Allow("staff", "admin"))]
RoundId = Annotated[int, Path(ge=1, le=MAX_ID, description="A round id")]
Format = Annotated[
    Literal["json", "csv"], Query(alias="format", description="json, or csv for a download")
]
Lang = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z]{2}$",
        max_length=2,
        description="Label the training needs in this language (ESCO preferred labels; "
        "English where the taxonomy has none); default: as stored (English)",
    ),
]
_BOTH: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (JSON), or with `format=csv` a CSV file: one figure a row "
        "(section, basis, dimension, item, measure, value).",
        "content": {"text/csv": {}},
    }
}


def _answer(
    report: ReportPublic,
    report_format: str,
    filename: str,
    *,
    lang: str | None,
    normaliser: object,
) -> ReportPublic | Response:
    if lang is not None and isinstance(normaliser, EscoProfileNormaliser):
        report = relabelled(report, normaliser.normalizer.taxonomy, lang=lang)
    if report_format == "csv":
        return Response(
            content=report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return report


@router.get("/rounds/{round_id}", response_model=ReportPublic, responses=_BOTH)
def read_round_report(
    round_id: RoundId,
    _principal: Staff,
    session: SessionDep,
    normaliser: NormaliserDep,
    report_format: Format = "json",
    lang: Lang = None,
) -> Any:
    """A finished round's funnel, fill rate, score distribution, essential-skill coverage,
    training needs, group rates with impact ratios (groups under 10 suppressed), price of
    fairness, blocking pairs and override rate per reviewer (409 until the round is done)."""
    return _answer(
        round_report(session, round_id),
        report_format,
        f"round-{round_id}-report.csv",
        lang=lang,
        normaliser=normaliser,
    )


@router.get("/programme", response_model=ReportPublic, responses=_BOTH)
def read_programme_report(
    _principal: Staff,
    session: SessionDep,
    normaliser: NormaliserDep,
    report_format: Format = "json",
    lang: Lang = None,
) -> Any:
    """The same figures over the whole programme: every placement, every current candidate and
    opening, every decision; price of fairness and blocking pairs of the latest round."""
    return _answer(
        programme_report(session),
        report_format,
        "programme-report.csv",
        lang=lang,
        normaliser=normaliser,
    )
