"""Candidates' consent records, and the identity reveals they allow.

A ``Consent`` says what the candidate agreed to (``purpose``), for whom (one employer, or —
``employer_id`` None — every employer of the programme), when, under which version of the
information notice, through which channel, and which agency recorded it. Consents are granted
and withdrawn through the candidate's agency; a withdrawn consent stays on record with its
``withdrawn_at``.

An ``IdentityReveal`` records each time an employer was shown a candidate's name and contact
(``api.consent.reveal_identity``), and the consent that allowed it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import DateTime, String
from sqlmodel import Field, SQLModel

from api.models._types import ApiModel, Email, Phone, UtcDatetime, utc_now

__all__ = [
    "CHANNELS",
    "PURPOSES",
    "Channel",
    "Consent",
    "ConsentCreate",
    "ConsentPublic",
    "IdentityPublic",
    "IdentityReveal",
    "Purpose",
]

#: ``identity``: the candidate's name and contact details may be shown to the recipient
#: employer for its own placements.
Purpose = Literal["identity"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
#: How the candidate gave (or withdrew) consent.
Channel = Literal["paper", "electronic", "in_person", "phone"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)


class Consent(SQLModel, table=True):
    __tablename__ = "consents"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidates.id", index=True, ondelete="CASCADE")
    #: The agency that recorded it (the candidate's).
    agency_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    purpose: Purpose = Field(sa_type=String(32))
    #: The one employer it covers; None: every employer of the programme.
    employer_id: int | None = Field(
        default=None, foreign_key="organisations.id", index=True, ondelete="CASCADE"
    )
    notice_version: str = Field(max_length=32)
    channel: Channel = Field(sa_type=String(16))
    granted_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    granted_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    withdrawn_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    withdrawn_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class ConsentCreate(ApiModel):
    """A consent the candidate gave: what, to whom (``employer_id``, or null for every
    employer of the programme), under which notice version and through which channel."""

    purpose: Purpose = "identity"
    employer_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    notice_version: str = Field(min_length=1, max_length=32, regex=r"^[A-Za-z0-9._-]+$")
    channel: Channel


class ConsentPublic(BaseModel):
    id: int
    candidate_id: int
    agency_id: int
    purpose: Purpose
    employer_id: int | None
    notice_version: str = PydanticField(max_length=32)
    channel: Channel
    granted_at: UtcDatetime
    withdrawn_at: UtcDatetime | None
    active: bool


class IdentityReveal(SQLModel, table=True):
    __tablename__ = "identity_reveals"

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placements.id", index=True, ondelete="CASCADE")
    employer_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    #: NULL once the candidate is erased (the record that the employer saw it stays).
    candidate_id: int | None = Field(
        default=None, foreign_key="candidates.id", index=True, ondelete="SET NULL"
    )
    consent_id: int | None = Field(
        default=None, foreign_key="consents.id", index=True, ondelete="SET NULL"
    )
    by_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class IdentityPublic(BaseModel):
    """A candidate's identity, as shown to the employer of one placement under a consent."""

    placement_id: int
    candidate_pseudonym: str = PydanticField(max_length=32)
    full_name: str = PydanticField(max_length=200)
    email: Email | None
    phone: Phone | None
    consent_id: int
    revealed_at: UtcDatetime
