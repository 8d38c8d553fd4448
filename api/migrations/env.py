"""Alembic environment: our SQLModel metadata, the engine handed over by ``api.migrations``
(or, from the alembic command line, the one ``DATABASE_URL`` names)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers every table on the metadata)
from api.db import create_db_engine
from api.settings import Settings

#: Advisory lock key of the migrations (PostgreSQL): any fixed 64-bit number.
_LOCK_KEY = 0x6D6D5F6D69677261  # "mm_migra"

config = context.config
target_metadata = SQLModel.metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    return create_db_engine(Settings().database_url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things: rebuild tables in batches instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # Alembic runs SQLite DDL outside a transaction by default; inside one, the write
            # lock (BEGIN IMMEDIATE) is held from before the version is read until the commit,
            # so processes migrating a fresh file at once cannot both apply a revision.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # one migrating process at a time
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; give DATABASE_URL")
run_migrations_online()
