"""Per-employer pseudonyms, and the server secret they derive from."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from api.models.candidates import Candidate
from api.pseudonyms import load_server_secret, pseudonym, pseudonymise
from api.settings import Settings

SECRET = b"server-secret"


def test_stable_for_one_employer_unlinkable_across_employers() -> None:
    first = pseudonym(SECRET, employer_id=1, candidate_id=42)
    assert first == pseudonym(SECRET, employer_id=1, candidate_id=42)
    assert first != pseudonym(SECRET, employer_id=2, candidate_id=42)
    assert first != pseudonym(SECRET, employer_id=1, candidate_id=43)
    assert first != pseudonym(b"another-secret", employer_id=1, candidate_id=42)
    assert first.startswith("C-") and len(first) == 22 and "42" not in first[2:]


def test_distinct_over_many_candidates() -> None:
    names = {pseudonym(SECRET, employer_id=7, candidate_id=i) for i in range(5_000)}
    assert len(names) == 5_000


def test_secret_from_settings_or_created_once_in_a_private_file(tmp_path: Path) -> None:
    assert load_server_secret(Settings(secret_key=SecretStr("abc"))) == b"abc"
    path = tmp_path / "server.secret"
    settings = Settings(secret_file=path)
    created = load_server_secret(settings)
    assert len(created) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_server_secret(settings) == created  # reused on the next start


def test_a_malformed_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "server.secret"
    path.write_text("not hex\n")
    with pytest.raises(ValueError, match="hex digits"):
        load_server_secret(Settings(secret_file=path))


def test_the_employer_view_holds_no_personal_field() -> None:
    candidate = Candidate(
        id=42,
        agency_id=1,
        full_name="Amina Benali",
        birth_date=date(1996, 4, 12),
        email="amina@example.org",
        phone="+212 600 000000",
        country="MA",
        experience_years=4,
    )
    view = pseudonymise(candidate, [], secret=SECRET, employer_id=7)
    shown = view.model_dump_json()
    for personal in ("Amina", "Benali", "1996", "amina@", "600 000000", '"42"', ":42"):
        assert personal not in shown
    assert view.pseudonym == pseudonym(SECRET, employer_id=7, candidate_id=42)
    assert (view.country, view.experience_years) == ("MA", 4)
