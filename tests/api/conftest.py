"""Fixtures for the service tests: a fresh app and database per test, on SQLite and — when
``TEST_DATABASE_URL`` is set — on PostgreSQL too, each test in its own schema.

Nothing here touches ``os.environ``: apps are built from ``Settings`` objects.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from api.app import create_app
from api.auth import create_user
from api.db import create_db_engine, open_session
from api.migrations import upgrade
from api.models.organisations import OrganisationKind
from api.models.users import Role
from api.settings import Settings
from skills_taxonomy.normalizer import Normalizer
from tests.api.factories import World
from tests.skills_taxonomy.normalizer_fixture import shared_normalizer

_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test starts from a copy (start-up still migrates)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture(params=_BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A database of its own for one test: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    yield from _postgres_schema(os.environ["TEST_DATABASE_URL"])


def _postgres_schema(base_url: str) -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SecretStr("test-server-secret"),
        secret_file=tmp_path / "unused.secret",
    )


@pytest.fixture(scope="session")
def normalizer() -> Normalizer:
    """The ESCO normaliser, built once per test session (shared with the taxonomy tests)."""
    return shared_normalizer()


@pytest.fixture
def app(settings: Settings, normalizer: Normalizer) -> FastAPI:
    return create_app(settings, normalizer=normalizer)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client with the app started (lifespan run: schema migrated, engine open)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def engine(client: TestClient) -> Engine:
    app: Any = client.app
    result: Engine = app.state.engine
    return result


MakeToken = Callable[..., str]


@pytest.fixture
def make_token(engine: Engine) -> MakeToken:
    """``make_token(org="ANAPEC", kind="agency", role="staff")`` → a bearer token."""

    def make(*, org: str, kind: OrganisationKind, role: Role = "staff") -> str:
        with open_session(engine, mode="write") as session:
            _user, token = create_user(session, organisation=org, kind=kind, role=role)
        return token

    return make


@pytest.fixture
def world(make_token: MakeToken) -> World:
    return World(
        agency_a=make_token(org="Agency A (MA)", kind="agency"),
        agency_b=make_token(org="Agency B (TN)", kind="agency"),
        employer_e=make_token(org="Employer E (DE)", kind="employer"),
        employer_f=make_token(org="Employer F (BE)", kind="employer"),
        staff=make_token(org="Programme", kind="programme", role="staff"),
        admin=make_token(org="Programme", kind="programme", role="admin"),
    )
