"""Alembic migrations of the service's schema, applied programmatically (``upgrade``).

To write a new revision after changing a table model::

    DATABASE_URL=sqlite:///scratch.db .venv/bin/alembic -c api/migrations/alembic.ini upgrade head
    DATABASE_URL=sqlite:///scratch.db .venv/bin/alembic -c api/migrations/alembic.ini \\
        revision --autogenerate -m "what changed"

then read the generated file in ``versions/`` and fix what autogenerate cannot know. The
test ``tests/api/test_migrations.py`` fails while the models and the migrations disagree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from api.db import for_writing

__all__ = ["MIGRATIONS_DIR", "alembic_config", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that migrates ``engine`` (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, *, revision: str = "heads") -> None:
    """Create or migrate the schema up to ``revision`` (every branch head by default).

    Safe when several processes start at once (server workers, the CLI): the migration runs
    under the database's write lock (SQLite) or an advisory lock (PostgreSQL), so the others
    wait, then find the schema at head.
    """
    command.upgrade(alembic_config(for_writing(engine)), revision)
