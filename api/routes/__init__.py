"""HTTP routes under ``/api/v1``, one module per resource.

Adding a resource (the pattern ``candidates`` and ``openings`` follow):

* a router with ``responses=ERROR_RESPONSES`` (``api.errors``), included below;
* every route takes an ``Allow(...)`` principal, a load-or-404 dependency built on it, or
  ``dependencies=[PUBLIC]`` (``api.deps``) — ``tests/api/test_tenancy.py`` refuses a route
  that declares none, and calls every route of the OpenAPI document as every role against
  another tenant's objects (add its path parameters and request bodies to the tables there);
* lists filter with ``visible_to(principal, Table)``; one object is loaded with a chained
  dependency using ``visible_to``/``writable_by`` (register the table in ``deps.OWNERSHIP``);
* inputs are ``ApiModel`` subclasses (``api.models._types``) with a limit on every string,
  list and number; the table model is never an input;
* raise ``api.errors`` exceptions (never ``HTTPException``); build the answer, then commit.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    candidates,
    consents,
    curation,
    gdpr,
    health,
    imports,
    openings,
    placements,
    reports,
    review,
    rounds,
    taxonomy,
)

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(candidates.router)
api_router.include_router(imports.router)
api_router.include_router(openings.router)
api_router.include_router(rounds.router)
api_router.include_router(taxonomy.router)
api_router.include_router(curation.router)
api_router.include_router(gdpr.router)
api_router.include_router(placements.router)
api_router.include_router(consents.router)
api_router.include_router(reports.router)
api_router.include_router(review.router)
