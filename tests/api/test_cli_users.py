"""`mobility-match users create` prints a token (alone on the last line) that authenticates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.cli import main
from api.settings import Settings, get_settings
from tests.api.factories import auth


@pytest.fixture
def database_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_printed_token_authenticates(database_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "create", "--org", "ANAPEC", "--kind", "agency"]) == 0
    agency_token = capsys.readouterr().out.splitlines()[-1]
    assert (
        main(["users", "create", "--org", "Programme", "--kind", "programme", "--role", "admin"])
        == 0
    )
    admin_token = capsys.readouterr().out.splitlines()[-1]
    assert agency_token.startswith("mm_") and agency_token != admin_token

    app = create_app(Settings(database_url=database_env, secret_key=SecretStr("s")))
    with TestClient(app) as client:
        assert client.get("/api/v1/candidates", headers=auth(agency_token)).status_code == 200
        assert client.get("/api/v1/openings", headers=auth(agency_token)).status_code == 403
        assert client.get("/api/v1/openings", headers=auth(admin_token)).status_code == 200
        assert client.get("/api/v1/openings", headers=auth(agency_token + "x")).status_code == 401


def test_an_organisation_keeps_its_kind(
    database_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "create", "--org", "ANETI", "--kind", "agency"]) == 0
    assert main(["users", "create", "--org", "ANETI", "--kind", "employer"]) == 2
    assert "exists as a agency" in capsys.readouterr().err


def test_invalid_organisation_name_exits_2(
    database_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "create", "--org", "x" * 201, "--kind", "agency"]) == 2
    assert "--org" in capsys.readouterr().err
