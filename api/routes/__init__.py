"""HTTP routes under ``/api/v1``, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import candidates, health, openings

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(candidates.router)
api_router.include_router(openings.router)
