"""Users of an organisation and their API tokens (only a SHA-256 hash of a token is stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import DateTime, String
from sqlmodel import Field, SQLModel

from api.models._types import utc_now

__all__ = ["ROLES", "ApiToken", "Role", "User"]

#: Within an organisation: an admin may later manage its users; staff do the daily work.
Role = Literal["staff", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    role: Role = Field(default="staff", sa_type=String(16))
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    #: Hex SHA-256 of the token; the token itself is shown once, at creation, and never stored.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
