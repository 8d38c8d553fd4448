"""API tokens and the principal they stand for.

A token is 32 random bytes (``secrets.token_urlsafe``) behind a ``mm_`` prefix; only its SHA-256
is stored. A high-entropy token needs no slow password hash: the digest is looked up by index,
then compared again in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from api.errors import ConflictError
from api.models.organisations import Organisation, OrganisationKind
from api.models.users import ApiToken, Role, User

__all__ = [
    "TOKEN_PREFIX",
    "AccessRole",
    "Principal",
    "TokenCache",
    "authenticate",
    "create_user",
    "hash_token",
    "new_token",
]

TOKEN_PREFIX = "mm_"
#: Longest token accepted on the wire (ours are 46 characters).
MAX_TOKEN_LENGTH = 128

#: What a route may be opened to: an agency's or an employer's users, or the programme's
#: staff or admins.
AccessRole = Literal["agency", "employer", "staff", "admin"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user of one organisation."""

    user_id: int
    organisation_id: int
    kind: OrganisationKind
    role: Role

    @property
    def access_role(self) -> AccessRole:
        """Agency and employer users act as their organisation; programme users by role."""
        if self.kind == "programme":
            return self.role
        return self.kind


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal holding ``token``, or None when it is unknown, revoked or malformed."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    row = session.exec(
        select(ApiToken, User, Organisation)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .join(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(ApiToken.token_hash) == digest, col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    api_token, user, organisation = row
    if not hmac.compare_digest(api_token.token_hash, digest):
        return None
    assert user.id is not None and organisation.id is not None
    return Principal(
        user_id=user.id, organisation_id=organisation.id, kind=organisation.kind, role=user.role
    )


class TokenCache:
    """Principals of recently seen tokens (by digest), for ``ttl_seconds``: most requests then
    authenticate without a query. A revoked token stays valid here until its entry expires.
    Thread-safe; holds at most ``max_entries`` (least recently used dropped first)."""

    def __init__(self, *, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            self._entries[digest] = (time.monotonic() + self.ttl_seconds, principal)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def create_user(
    session: Session, *, organisation: str, kind: OrganisationKind, role: Role = "staff"
) -> tuple[User, str]:
    """A new user of ``organisation`` (created when new) and their token, shown only here.

    Raises ``ConflictError`` when the organisation exists with another kind. Commits.
    """
    org = session.exec(select(Organisation).where(col(Organisation.name) == organisation)).first()
    if org is None:
        org = Organisation(name=organisation, kind=kind)
        session.add(org)
        session.flush()
    elif org.kind != kind:
        raise ConflictError(f"organisation {organisation!r} exists as a {org.kind}, not {kind}")
    assert org.id is not None
    user = User(organisation_id=org.id, role=role)
    session.add(user)
    session.flush()
    assert user.id is not None
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    session.commit()
    return user, token
