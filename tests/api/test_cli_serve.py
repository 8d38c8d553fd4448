"""`mobility-match serve`: refuses a worker count below one, and warns before serving a SQLite
database from several processes (concurrent writes could then fail)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

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


@pytest.mark.parametrize(
    ("url", "warned"),
    [("sqlite:///x.db", True), ("postgresql+psycopg://postgres@127.0.0.1:5432/test", False)],
)
def test_several_workers_on_sqlite_warn(
    served: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    warned: bool,
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["serve", "--workers", "2", "--port", "8765"]) == 0
    assert ("several worker processes on SQLite" in capsys.readouterr().err) is warned
    assert [(c["workers"], c["port"]) for c in served] == [(2, 8765)]
