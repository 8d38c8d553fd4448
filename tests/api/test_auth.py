"""API tokens: stored hashed, checked in constant time, revocable; the cache of checked tokens."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from api.auth import Principal, TokenCache, authenticate, create_user, hash_token
from api.db import open_session
from api.models._types import utc_now
from api.models.users import ApiToken

PRINCIPAL = Principal(user_id=1, organisation_id=2, kind="agency", role="staff")


def test_only_the_hash_is_stored_and_a_revoked_token_fails(engine: Engine) -> None:
    with open_session(engine, mode="write") as session:
        user, token = create_user(session, organisation="ANAPEC", kind="agency")
    assert token.startswith("mm_") and len(token) >= 40
    with open_session(engine, mode="write") as session:
        stored = session.exec(select(ApiToken)).one()
        assert stored.token_hash == hash_token(token) and token not in stored.token_hash
        principal = authenticate(session, token)
        assert principal == Principal(
            user_id=user.id or 0, organisation_id=user.organisation_id, kind="agency", role="staff"
        )
        assert authenticate(session, token[:-1] + "x") is None
        assert authenticate(session, "not-a-token") is None
        stored.revoked_at = utc_now()
        session.add(stored)
        session.commit()
        assert authenticate(session, token) is None


def test_cache_entries_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = TokenCache(ttl_seconds=30)
    cache.put("d", PRINCIPAL)
    assert cache.get("d") == PRINCIPAL
    now[0] += 31
    assert cache.get("d") is None


def test_cache_is_bounded_and_can_be_disabled() -> None:
    cache = TokenCache(ttl_seconds=30, max_entries=2)
    for digest in ("a", "b", "c"):
        cache.put(digest, PRINCIPAL)
    assert [cache.get(d) is not None for d in ("a", "b", "c")] == [False, True, True]
    disabled = TokenCache(ttl_seconds=0)
    disabled.put("a", PRINCIPAL)
    assert disabled.get("a") is None
