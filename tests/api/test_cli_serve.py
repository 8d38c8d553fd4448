"""`mobility-match serve`: refuses a worker count below one; several workers are served by
``api.workers`` (tested there)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from api import workers
from api.cli import main
from api.settings import get_settings


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


def test_zero_workers_is_refused(
    served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
    assert served == []


@pytest.mark.parametrize("url", ["sqlite:///x.db", "postgresql+psycopg://postgres@1.2.3.4/x"])
def test_several_workers_are_served_by_the_balancing_supervisor(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """On either database (SQLite writers of several processes queue on a file lock)."""
    balanced: list[tuple[uvicorn.Config, int]] = []
    monkeypatch.setenv("DATABASE_URL", url)

    def serve_balanced(config: uvicorn.Config, *, workers: int) -> int:
        balanced.append((config, workers))
        return 0

    monkeypatch.setattr(workers, "serve_balanced", serve_balanced)
    assert main(["serve", "--workers", "2", "--port", "8765"]) == 0
    assert served == []
    [(config, count)] = balanced
    assert (count, config.port, config.host, config.app, config.factory) == (
        2,
        8765,
        "127.0.0.1",
        "api.app:create_app",
        True,
    )
    assert config.access_log is False  # query strings may hold personal data
