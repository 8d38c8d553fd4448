"""``GET /health``: the service is up and its database answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import PUBLIC, SessionDep
from api.errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["sqlite", "postgresql"]


@router.get(
    "/health",
    dependencies=[PUBLIC],
    responses={503: ERROR_RESPONSES[503], 500: ERROR_RESPONSES[500]},
)
def health(session: SessionDep) -> Health:
    session.connection().exec_driver_sql("SELECT 1")
    dialect = session.get_bind().dialect.name
    return Health(status="ok", database="postgresql" if dialect == "postgresql" else "sqlite")
