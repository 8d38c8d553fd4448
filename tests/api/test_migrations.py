"""The Alembic migrations build exactly the schema the table models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers the tables)
from api.db import create_db_engine
from api.migrations import upgrade


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    """``engine``'s database was migrated at app start-up (on SQLite and PostgreSQL)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], "models changed without a migration: see api/migrations/__init__"


def test_upgrade_is_idempotent(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables
