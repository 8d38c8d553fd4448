"""Sessions of the staff pages: a signed cookie, a CSRF token, and who may open a page.

The cookie (``mm_session``: HttpOnly, SameSite=Lax, Secure over HTTPS) holds JSON signed with
HMAC-SHA256 under a key derived from the server secret: the session's CSRF token, its expiry,
and — once signed in — the SHA-256 of the staff member's API token (never the token itself).
Every request looks the digest up again (through the app's token cache), so revoking the token
ends the session too. Every form carries the CSRF token; a POST whose token differs is refused.

``StaffPage(...)`` is ``Allow(...)`` for pages: the same role check, the principal read from
the cookie instead of a bearer header (``tests/api/test_tenancy.py`` sees it as a declaration).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlmodel import Session, col, select

from api.auth import AccessRole, Principal, TokenCache
from api.deps import Allow, SessionDep
from api.errors import ForbiddenError, NotAuthenticatedError
from api.models.organisations import Organisation
from api.models.users import ApiToken, User

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "FLASH_COOKIE",
    "SESSION_SECONDS",
    "CsrfError",
    "StaffPage",
    "UiSession",
    "clear_session",
    "pop_flash",
    "principal_for_digest",
    "read_session",
    "set_flash",
    "verify_csrf",
    "write_session",
]

COOKIE = "mm_session"
CSRF_FIELD = "csrf_token"
#: A session lasts a working day.
SESSION_SECONDS = 8 * 3600
_MAX_COOKIE = 1024


class CsrfError(ForbiddenError):
    """A form without this session's CSRF token."""

    def __init__(self) -> None:
        Exception.__init__(self, "the form is stale or was not sent by this site; reload it")


@dataclass(frozen=True, slots=True)
class UiSession:
    """What the cookie holds: the CSRF token, the token digest once signed in, the expiry."""

    csrf: str
    token_digest: str | None
    expires: int

    @classmethod
    def new(cls, token_digest: str | None = None) -> UiSession:
        return cls(
            csrf=secrets.token_urlsafe(24),
            token_digest=token_digest,
            expires=int(time.time()) + SESSION_SECONDS,
        )


def _key(request: Request) -> bytes:
    secret: bytes = request.app.state.pseudonym_secret
    return hmac.new(secret, b"ui-session-cookie", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode(request: Request, session: UiSession) -> str:
    body = json.dumps(
        {"c": session.csrf, "t": session.token_digest, "e": session.expires},
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(_key(request), body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(mac)}"


def _decode(request: Request, value: str) -> UiSession | None:
    if len(value) > _MAX_COOKIE or value.count(".") != 1:
        return None
    try:
        body_text, mac_text = value.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
    except ValueError:
        return None
    if not hmac.compare_digest(mac, hmac.new(_key(request), body, hashlib.sha256).digest()):
        return None
    try:
        data: Any = json.loads(body)
        session = UiSession(csrf=str(data["c"]), token_digest=data["t"], expires=int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > time.time() else None


def read_session(request: Request) -> UiSession:
    """The request's session, or a new anonymous one (written back by ``write_session``)."""
    cached: UiSession | None = getattr(request.state, "ui_session", None)
    if cached is not None:
        return cached
    value = request.cookies.get(COOKIE)
    session = (_decode(request, value) if value else None) or UiSession.new()
    request.state.ui_session = session
    return session


def write_session(request: Request, response: Response, session: UiSession) -> None:
    request.state.ui_session = session
    response.set_cookie(
        COOKIE,
        _encode(request, session),
        max_age=SESSION_SECONDS,
        path="/ui",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session(request: Request, response: Response) -> None:
    """Sign out: a new anonymous session (a fresh CSRF token, no principal)."""
    write_session(request, response, UiSession.new())


FLASH_COOKIE = "mm_flash"


def set_flash(request: Request, response: Response, kind: str, text: str) -> None:
    """A message for the next page shown (after a redirect): signed, read once."""
    body = json.dumps({"k": kind[:16], "m": text[:500]}, separators=(",", ":")).encode()
    mac = hmac.new(_key(request), b"flash:" + body, hashlib.sha256).digest()
    response.set_cookie(
        FLASH_COOKIE,
        f"{_b64(body)}.{_b64(mac)}",
        max_age=120,
        path="/ui",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def pop_flash(request: Request) -> tuple[str, str] | None:
    """The flash message ``(kind, text)`` the request carries, if genuine (the caller deletes
    the cookie from its response)."""
    value = request.cookies.get(FLASH_COOKIE)
    if not value or len(value) > 2 * _MAX_COOKIE or value.count(".") != 1:
        return None
    try:
        body_text, mac_text = value.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
        expected = hmac.new(_key(request), b"flash:" + body, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            return None
        data = json.loads(body)
        return str(data["k"]), str(data["m"])
    except (ValueError, KeyError, TypeError):
        return None


def principal_for_digest(session: Session, digest: str) -> Principal | None:
    """The principal whose live API token has SHA-256 ``digest``, or None."""
    row = session.exec(
        select(User, Organisation)
        .join(ApiToken, col(ApiToken.user_id) == col(User.id))
        .join(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(ApiToken.token_hash) == digest, col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    user, organisation = row
    assert user.id is not None and organisation.id is not None
    return Principal(
        user_id=user.id, organisation_id=organisation.id, kind=organisation.kind, role=user.role
    )


def session_principal(request: Request, db: SessionDep) -> Principal:
    """The signed-in principal of the page's session; ``NotAuthenticatedError`` if none."""
    digest = read_session(request).token_digest
    if not digest:
        raise NotAuthenticatedError()
    cache: TokenCache = request.app.state.token_cache
    principal = cache.get(digest)
    if principal is None:
        principal = principal_for_digest(db, digest)
        if principal is None:
            raise NotAuthenticatedError()
        cache.put(digest, principal)
    return principal


async def verify_csrf(request: Request) -> None:
    """Refuse (``CsrfError``) a form whose CSRF field is not this session's token."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = read_session(request).csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError()


class StaffPage(Allow):
    """``Allow(*roles)`` for the staff pages: the principal from the session cookie; with
    ``form=True`` the request must also carry the session's CSRF token."""

    def __init__(self, *roles: AccessRole, form: bool = False) -> None:
        super().__init__(*roles)
        self.form = form

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        principal: Annotated[Principal, Depends(session_principal)],
    ) -> Principal:
        if principal.access_role not in self.roles:
            raise ForbiddenError()
        if self.form:
            await verify_csrf(request)
        return principal

    def __repr__(self) -> str:
        return f"StaffPage({', '.join(sorted(self.roles))}, form={self.form})"
