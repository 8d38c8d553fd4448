"""Quality and fairness reports, as programme staff read them (JSON, or CSV: ``api.reports``).

The figures are ``matching.report``'s; these models only bound them for the OpenAPI document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

__all__ = [
    "BinPublic",
    "FillPublic",
    "FunnelPublic",
    "GroupRatePublic",
    "GroupReportPublic",
    "ReasonCountPublic",
    "ReportPublic",
    "ReviewerRatePublic",
    "SkillNeedPublic",
    "StageCountPublic",
]

#: Whose selection a group rate counts: assigned by the round, published to an employer (a
#: placement was opened), or placed (the placement reached ``placed`` or a later stage).
Basis = Literal["assigned", "published", "placed"]
Dimension = Literal["gender", "origin", "agency"]

MAX_GROUPS = 10_000
MAX_REVIEWERS = 10_000


class _Figures(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class StageCountPublic(_Figures):
    stage: str = PydanticField(max_length=16)
    count: int


class ReasonCountPublic(_Figures):
    reason: str = PydanticField(max_length=16)
    count: int


class FunnelPublic(_Figures):
    """Placements per pipeline stage now (every stage, in order), the closed ones per reason,
    and per stage (``closed`` aside) those that reached it or a later one (the funnel)."""

    total: int
    stages: list[StageCountPublic] = PydanticField(max_length=16)
    reached: list[StageCountPublic] = PydanticField(max_length=16)
    closed_by_reason: list[ReasonCountPublic] = PydanticField(max_length=16)


class FillPublic(_Figures):
    """Places filled over places offered (None when unknown or no place)."""

    places_total: int | None
    places_filled: int
    fill_rate: float | None


class BinPublic(_Figures):
    """Scores in [lower, upper) ([0.9, 1.0] for the last bin; upper None: above 1.0)."""

    lower: float
    upper: float | None
    count: int


class SkillNeedPublic(_Figures):
    """An essential skill missing from ``count`` pairs (``share`` of the explained pairs)."""

    uri: str = PydanticField(max_length=255)
    label: str = PydanticField(max_length=500)
    count: int
    share: float


class GroupRatePublic(_Figures):
    """A group's selection rate and impact ratio, or ``suppressed`` (under 10 members)."""

    group: str = PydanticField(max_length=200)
    suppressed: bool
    candidates: int | None
    selected: int | None
    rate: float | None
    impact_ratio: float | None


class GroupReportPublic(_Figures):
    basis: Basis
    dimension: Dimension
    groups: list[GroupRatePublic] = PydanticField(max_length=MAX_GROUPS)
    lowest_group: str | None = PydanticField(max_length=200)
    lowest_impact_ratio: float | None


class ReviewerRatePublic(_Figures):
    """A reviewer (user id): decisions recorded (history included) and the overrides' share."""

    reviewer: int
    decisions: int
    overrides: int
    override_rate: float


class ReportPublic(BaseModel):
    """A round's or the programme's report. ``price_of_fairness`` and ``blocking_pairs`` come
    from the round's stored metrics (the programme's: its latest finished round,
    ``source_round_id``); None when the round did not compute them."""

    scope: Literal["round", "programme"]
    round_id: int | None
    source_round_id: int | None
    funnel: FunnelPublic
    fill: FillPublic
    pairs: int
    mean_score: float | None
    score_distribution: list[BinPublic] = PydanticField(max_length=16)
    essential_coverage: float | None
    training_needs: list[SkillNeedPublic] = PydanticField(max_length=100)
    fairness: list[GroupReportPublic] = PydanticField(max_length=9)
    price_of_fairness: float | None
    blocking_pairs: int | None
    reviewers: list[ReviewerRatePublic] = PydanticField(max_length=MAX_REVIEWERS)
