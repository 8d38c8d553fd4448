"""The Alembic migrations build exactly the schema the table models describe."""

from __future__ import annotations

import multiprocessing

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers the tables)
from api.db import create_db_engine
from api.migrations import alembic_config, upgrade


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


def _upgrade_in_child(url: str) -> None:
    engine = create_db_engine(url, busy_timeout_ms=60_000)
    upgrade(engine)
    engine.dispose()


def test_concurrent_upgrades_wait_for_each_other(database_url: str) -> None:
    """Server workers and the CLI may start together on a fresh database: one migrates, the
    others wait and find the schema at head (here: three processes at once)."""
    if database_url.startswith("sqlite"):  # the fixture's SQLite copy is migrated: start afresh
        database_url = database_url.removesuffix("test.db") + "fresh.db"
    children = [
        multiprocessing.get_context("fork").Process(target=_upgrade_in_child, args=(database_url,))
        for _ in range(3)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    assert [child.exitcode for child in children] == [0, 0, 0]
    engine = create_db_engine(database_url)
    try:
        assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_history_has_one_head(database_url: str) -> None:
    """Branches written side by side are merged: a new revision has one parent to revise,
    and the database records a single version."""
    engine = create_db_engine(database_url)
    try:
        upgrade(engine)
        heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    assert len(heads) == 1
    assert current == tuple(heads)
