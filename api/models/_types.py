"""Column and field types shared by the table modules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import annotated_types
from pydantic import AfterValidator, StringConstraints, WithJsonSchema, field_validator
from sqlmodel import SQLModel

__all__ = [
    "ApiModel",
    "CountryCode",
    "Email",
    "PastDate",
    "Phone",
    "UtcDatetime",
    "as_utc",
    "utc_now",
]


class ApiModel(SQLModel):
    """Base of the models that take input: no string may hold a NUL character (PostgreSQL
    cannot store one; refusing it everywhere keeps SQLite and PostgreSQL alike)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL (\\u0000) characters")
        return value


#: ISO 3166-1 alpha-2, upper case ("MA", "DE").
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$", min_length=2, max_length=2)]

#: A plausibility check only (one "@", a dot in the domain); no mail is ever sent.
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$", max_length=254)
]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()./-]{3,31}$", max_length=32)]
#: A birth date in 1900–2099 (a plausibility check; age rules belong to programme policies).
#: JSON Schema cannot bound a date, so the document states the range as a pattern.
PastDate = Annotated[
    date,
    annotated_types.Ge(date(1900, 1, 1)),
    annotated_types.Lt(date(2100, 1, 1)),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^(19|20)[0-9]{2}-"}),
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: A datetime serialised with its offset (RFC 3339), whatever the database returned.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
