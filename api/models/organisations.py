"""Organisations: the tenants. An agency owns candidates, an employer owns openings, and the
programme's own staff read everything."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import DateTime, String
from sqlmodel import Field

from api.models._types import ApiModel, UtcDatetime, utc_now

__all__ = [
    "ORGANISATION_KINDS",
    "Organisation",
    "OrganisationBase",
    "OrganisationKind",
    "OrganisationPublic",
]

OrganisationKind = Literal["agency", "employer", "programme"]
ORGANISATION_KINDS: tuple[OrganisationKind, ...] = get_args(OrganisationKind)


class OrganisationBase(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind = Field(sa_type=String(16))


class Organisation(OrganisationBase, table=True):
    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(min_length=1, max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class OrganisationPublic(OrganisationBase):
    id: int
    created_at: UtcDatetime
