"""Request dependencies: settings, sessions, authentication, roles and tenancy — the one layer
where who-may-see-what is decided.

Dependencies that do no I/O are ``async`` (they run on the event loop, without a thread hop);
those that touch the database are plain functions (FastAPI runs them in its thread pool), or
``async`` ones that send only their I/O there (the session, whose creation does none; the
principal, whose token is usually cached). Each thread hop costs the event loop ~0.15 ms at
20 concurrent clients (py-spy, candidate GET), and each dependency ~0.1 ms to solve: the hot
routes (``api.routes.candidates``/``openings``) do their database work in one hop
(``api.routes._blocking``) and take as few dependencies as they can.

* ``Allow(*roles)`` is how a route declares who may call it (deny by default: a route without
  one is refused by ``tests/api/test_tenancy.py``); ``PUBLIC`` marks the few open routes.
  A role that may never call a route gets 403.
* ``visible_to`` / ``writable_by`` give the SQL condition of what a principal may read or
  change in an owned table; lists filter with them, and ``load_candidate``... (load-or-404,
  chained after ``Allow``) use them to load one object, so another tenant's object is a 404,
  exactly as a missing one. The hot routes take a ``Lookup`` instead (``CandidateToRead``...)
  and load it in the thread hop that does their other work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar, cast

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy import ColumnElement, Engine, false, true
from sqlmodel import Session, SQLModel, col, select
from starlette.concurrency import run_in_threadpool

from api.auth import AccessRole, Principal, TokenCache, authenticate, hash_token
from api.curation import SynonymWatch, current_normaliser
from api.db import new_session, open_session
from api.errors import ForbiddenError, NotAuthenticatedError, NotFoundError
from api.models.candidates import Candidate, CandidateUpdate
from api.models.openings import Opening, OpeningUpdate
from api.models.organisations import OrganisationKind
from api.normalisation import ProfileNormaliser
from api.settings import Settings

__all__ = [
    "MAX_ID",
    "PUBLIC",
    "Allow",
    "CandidateReadable",
    "CandidateToRead",
    "CandidateToUpdate",
    "CandidateWritable",
    "EngineDep",
    "Lookup",
    "NormaliserDep",
    "OpeningToRead",
    "OpeningToUpdate",
    "OpeningToWrite",
    "SessionDep",
    "SettingsDep",
    "public",
    "request_session",
    "visible_to",
    "writable_by",
]

#: Largest id accepted in a path (ids are 32-bit integers in the database).
MAX_ID = 2**31 - 1

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# --- resources opened in lifespan -----------------------------------------------------------


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def request_session(request: Request) -> Session:
    """A new session for ``request`` (no I/O yet); on SQLite, one for a request that may write
    (any method but GET, HEAD, OPTIONS) begins ``IMMEDIATE``. The caller closes it."""
    mode: Literal["read", "write"] = "read" if request.method in _SAFE_METHODS else "write"
    return new_session(request.app.state.engine, mode=mode)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request (``request_session``).

    Created on the event loop (no I/O). Closed at the end: in the thread pool when a
    transaction is still open (closing rolls it back); on the loop when none is — the route
    committed, or closed the session itself (``api.routes._blocking.run_blocking``) — since
    closing then does no I/O. (The engine is read from the app's state, not through
    ``EngineDep``: each dependency costs every request ~0.1 ms of the loop's time to solve.)
    A route that needs the session only in its own thread hop does without this dependency
    (a generator dependency costs more again): ``api.routes._blocking.run_in_session``."""
    session = request_session(request)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


# --- authentication and roles ---------------------------------------------------------------

_bearer = HTTPBearer(
    auto_error=False, description="An API token from `mobility-match users create`."
)


def _look_up(engine: Engine, token: str) -> Principal | None:
    # A short read session of its own: the request's session may be a write session, and
    # looking the token up there would take SQLite's write lock for the whole request
    # (normalisation included), queueing every other writer behind it.
    with open_session(engine, mode="read") as session:
        return authenticate(session, token)


async def _principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The token's principal: from the cache on the event loop, else looked up in the thread
    pool (and cached)."""
    if credentials is None:
        raise NotAuthenticatedError()
    cache: TokenCache = request.app.state.token_cache
    digest = hash_token(credentials.credentials)
    principal = cache.get(digest)
    if principal is None:
        engine: Engine = request.app.state.engine
        principal = await run_in_threadpool(_look_up, engine, credentials.credentials)
        if principal is None:
            raise NotAuthenticatedError()
        cache.put(digest, principal)
    return principal


class Allow:
    """Dependency: the principal of the bearer token, when their role is one of ``roles``;
    else 403 (401 without a valid token). The token is read here, not through a dependency of
    its own, which would cost every request a dependency more to solve."""

    def __init__(self, *roles: AccessRole) -> None:
        self.roles = frozenset(roles)

    async def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = await _principal(request, credentials)
        if principal.access_role not in self.roles:
            raise ForbiddenError()
        return principal

    def __repr__(self) -> str:
        return f"Allow({', '.join(sorted(self.roles))})"


async def public() -> None:
    """Marks a route as open to anyone, on purpose."""


PUBLIC = Depends(public)

#: The role sets the routes use.
CANDIDATE_READERS = Allow("agency", "staff", "admin")
CANDIDATE_WRITERS = Allow("agency")
OPENING_READERS = Allow("employer", "staff", "admin")
OPENING_WRITERS = Allow("employer")


# --- tenancy ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ownership:
    """An owned table: which kind of organisation owns its rows, through which column."""

    kind: OrganisationKind
    column: Any


OWNERSHIP: dict[type[SQLModel], Ownership] = {
    Candidate: Ownership(kind="agency", column=col(Candidate.agency_id)),
    Opening: Ownership(kind="employer", column=col(Opening.employer_id)),
}


def visible_to(principal: Principal, table: type[SQLModel]) -> ColumnElement[bool]:
    """Rows of ``table`` the principal may read: the programme reads all, an owner its own."""
    if principal.kind == "programme":
        return true()
    return writable_by(principal, table)


def writable_by(principal: Principal, table: type[SQLModel]) -> ColumnElement[bool]:
    """Rows of ``table`` the principal may change: its owner's only."""
    ownership = OWNERSHIP[table]
    if principal.kind != ownership.kind:
        return false()
    result: ColumnElement[bool] = ownership.column == principal.organisation_id
    return result


T = TypeVar("T", bound=SQLModel)


def _load_or_404(
    session: Session, table: type[T], object_id: int, condition: ColumnElement[bool]
) -> T:
    id_column: Any = table.id  # type: ignore[attr-defined]
    found = session.exec(select(table).where(id_column == object_id, condition)).first()
    if found is None:
        raise NotFoundError(table.__name__.lower(), object_id)
    return found


CandidateId = Annotated[int, Path(ge=1, le=MAX_ID, description="A candidate id")]
OpeningId = Annotated[int, Path(ge=1, le=MAX_ID, description="An opening id")]


def load_candidate(
    candidate_id: CandidateId,
    principal: Annotated[Principal, Depends(CANDIDATE_READERS)],
    session: SessionDep,
) -> Candidate:
    return _load_or_404(session, Candidate, candidate_id, visible_to(principal, Candidate))


def load_candidate_for_write(
    candidate_id: CandidateId,
    principal: Annotated[Principal, Depends(CANDIDATE_WRITERS)],
    session: SessionDep,
) -> Candidate:
    return _load_or_404(session, Candidate, candidate_id, writable_by(principal, Candidate))


CandidateReadable = Annotated[Candidate, Depends(load_candidate)]
CandidateWritable = Annotated[Candidate, Depends(load_candidate_for_write)]


@dataclass(frozen=True, slots=True)
class Lookup(Generic[T]):
    """One owned object as a principal may reach it, to load (or 404) with ``load`` in the
    thread hop that does the route's other database work (loading in a dependency would cost
    a hop more). For a route with nothing else to validate, or whose body is checked first
    (``_found_before_the_body``), so that the 404 comes before any 422 as it always did."""

    table: type[T]
    object_id: int
    condition: ColumnElement[bool]

    def load(self, session: Session) -> T:
        return _load_or_404(session, self.table, self.object_id, self.condition)


async def candidate_to_read(
    candidate_id: CandidateId, principal: Annotated[Principal, Depends(CANDIDATE_READERS)]
) -> Lookup[Candidate]:
    return Lookup(Candidate, candidate_id, visible_to(principal, Candidate))


async def opening_to_read(
    opening_id: OpeningId, principal: Annotated[Principal, Depends(OPENING_READERS)]
) -> Lookup[Opening]:
    return Lookup(Opening, opening_id, visible_to(principal, Opening))


async def opening_to_write(
    opening_id: OpeningId, principal: Annotated[Principal, Depends(OPENING_WRITERS)]
) -> Lookup[Opening]:
    return Lookup(Opening, opening_id, writable_by(principal, Opening))


async def candidate_to_update(
    candidate_id: CandidateId,
    principal: Annotated[Principal, Depends(CANDIDATE_WRITERS)],
    request: Request,
) -> Lookup[Candidate]:
    lookup = Lookup(Candidate, candidate_id, writable_by(principal, Candidate))
    await _found_before_the_body(request, lookup, CandidateUpdate)
    return lookup


async def opening_to_update(
    opening_id: OpeningId,
    principal: Annotated[Principal, Depends(OPENING_WRITERS)],
    request: Request,
) -> Lookup[Opening]:
    lookup = Lookup(Opening, opening_id, writable_by(principal, Opening))
    await _found_before_the_body(request, lookup, OpeningUpdate)
    return lookup


async def _found_before_the_body(
    request: Request, lookup: Lookup[Any], body: type[SQLModel]
) -> None:
    """A missing or foreign object is a 404 before an invalid body is a 422 (FastAPI validates
    the body after the dependencies, which used to load the object). So when the body will
    not validate, load the object now (a read session of its own, in the pool); when it will
    (the usual case: a JSON object that ``body`` accepts), leave it to the route's one hop.
    Anything else (another content type, say) counts as invalid here: a hop more, same answer.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            body.model_validate(await request.json())  # parsed and cached by FastAPI already
            return
        except (ValidationError, ValueError):
            pass
    await run_in_threadpool(_check_found, request.app.state.engine, lookup)


def _check_found(engine: Engine, lookup: Lookup[Any]) -> None:
    with open_session(engine, mode="read") as session:
        lookup.load(session)


CandidateToRead = Annotated[Lookup[Candidate], Depends(candidate_to_read)]
CandidateToUpdate = Annotated[Lookup[Candidate], Depends(candidate_to_update)]
OpeningToRead = Annotated[Lookup[Opening], Depends(opening_to_read)]
OpeningToUpdate = Annotated[Lookup[Opening], Depends(opening_to_update)]
OpeningToWrite = Annotated[Lookup[Opening], Depends(opening_to_write)]


async def get_normaliser(request: Request) -> ProfileNormaliser | None:
    """The app's normaliser, with synonyms other server processes confirmed. The look at them
    (a query, at most every ``synonym_refresh_seconds``) runs in the pool; between looks the
    normaliser is returned on the loop (no thread hop)."""
    state = request.app.state
    watch: SynonymWatch | None = getattr(state, "synonym_watch", None)
    if watch is not None and watch.due():
        return cast(ProfileNormaliser | None, await run_in_threadpool(current_normaliser, state))
    return cast(ProfileNormaliser | None, getattr(state, "normaliser", None))


#: The app's normaliser (None until one is configured: profiles are then stored as text only).
NormaliserDep = Annotated[ProfileNormaliser | None, Depends(get_normaliser)]
