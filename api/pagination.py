"""Keyset pagination: pages ordered by id, ``after`` the last id of the previous page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement
from sqlmodel import Session, SQLModel, func, select

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "After", "Limit", "Page", "paginate"]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
After = Annotated[
    int | None, Query(ge=0, le=2**31 - 1, description="Return items with ids above this one")
]


class Page(BaseModel, Generic[T]):
    items: list[T] = Field(max_length=MAX_PAGE_SIZE)
    #: Matching items in all pages.
    total: int = Field(ge=0)
    #: Pass as ``after`` to get the next page; null on the last page.
    next_after: int | None = None


Row = TypeVar("Row", bound=SQLModel)


def paginate(
    session: Session,
    table: type[Row],
    *,
    where: Sequence[ColumnElement[bool]],
    limit: int,
    after: int | None,
) -> tuple[list[Row], int, int | None]:
    """One page of ``table`` rows matching ``where``, by id: ``(rows, total, next_after)``."""
    id_column: Any = table.id  # type: ignore[attr-defined]
    total = session.exec(select(func.count()).select_from(table).where(*where)).one()
    keyset = [id_column > after] if after is not None else []
    rows = list(
        session.exec(select(table).where(*where, *keyset).order_by(id_column).limit(limit + 1))
    )
    page = rows[:limit]
    return page, total, (page[-1].id if len(rows) > limit else None)  # type: ignore[attr-defined]
