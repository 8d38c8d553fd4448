"""Service configuration, in one place: read from the environment, never at import time.

``get_settings()`` is cached; tests build ``Settings(...)`` objects directly and pass them to
``create_app`` (or override ``get_settings`` through ``app.dependency_overrides``).

Environment variables: ``DATABASE_URL`` (also ``MOBILITY_MATCH_DATABASE_URL``), and every other
field prefixed ``MOBILITY_MATCH_`` (e.g. ``MOBILITY_MATCH_SECRET_KEY``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "get_settings"]

#: A SQLite file in the working directory.
DEFAULT_DATABASE_URL = "sqlite:///mobility-match.db"

_MB = 1024 * 1024


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="MOBILITY_MATCH_", extra="ignore", frozen=True, populate_by_name=True
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices(
            "DATABASE_URL", "MOBILITY_MATCH_DATABASE_URL", "database_url"
        ),
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db.",
    )
    #: Server secret the per-employer pseudonym keys are derived from. When unset, a random one
    #: is created once in ``secret_file`` (mode 0600) and reused on every start.
    secret_key: SecretStr | None = None
    secret_file: Path = Path("mobility-match.secret")

    sqlite_busy_timeout_ms: int = Field(default=5_000, ge=0)
    #: How long a checked token is trusted without a query (0: check every request). A revoked
    #: token keeps working for at most this long.
    token_cache_seconds: float = Field(default=30.0, ge=0)
    database_echo: bool = False
    #: Apply Alembic migrations up to head when the app starts.
    migrate_on_startup: bool = True

    #: How often (seconds) a server process looks for synonyms confirmed in another process.
    synonym_refresh_seconds: float = Field(default=2.0, ge=0)
    #: Worker processes running matching rounds (each holds the taxonomy: ~0.5 GB).
    round_workers: int = Field(default=1, ge=1, le=32)

    #: Publishing a round whose lowest impact ratio (gender, origin, agency) is below this
    #: needs a recorded staff sign-off (the "four-fifths rule" uses 0.8).
    impact_ratio_threshold: float = Field(default=0.8, ge=0.0, le=1.0)

    #: Days after which a closed candidate (no placement under way, nothing changed) is erased
    #: by ``mobility-match retention run``.
    retention_days: int = Field(default=730, ge=1, le=36_500)

    max_json_bytes: int = Field(default=2 * _MB, ge=1)
    max_upload_bytes: int = Field(default=20 * _MB, ge=1)
    max_import_rows: int = Field(default=100_000, ge=1)

    @field_validator("database_url")
    @classmethod
    def _psycopg3_driver(cls, url: str) -> str:
        """``postgres://`` and ``postgresql://`` mean PostgreSQL through psycopg 3."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read from the environment once."""
    return Settings()
