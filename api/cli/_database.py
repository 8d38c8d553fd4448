"""The database a command works on: ``DATABASE_URL``'s, migrated to head, disposed after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from api.settings import Settings, get_settings

__all__ = ["migrated_engine"]


@contextmanager
def migrated_engine(settings: Settings | None = None) -> Iterator[Engine]:
    """An engine on the settings' database (default: the environment's), schema migrated."""
    from api.db import create_db_engine
    from api.migrations import upgrade

    config = settings if settings is not None else get_settings()
    engine = create_db_engine(config.database_url, busy_timeout_ms=config.sqlite_busy_timeout_ms)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
