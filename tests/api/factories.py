"""Factories for the service tests: request bodies and auth headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class World:
    """Two agencies, two employers, programme staff and admin; the tokens of each."""

    agency_a: str
    agency_b: str
    employer_e: str
    employer_f: str
    staff: str
    admin: str


def candidate_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "full_name": "Amina Benali",
        "birth_date": "1996-04-12",
        "email": "amina@example.org",
        "phone": "+212 600 000000",
        "gender": "female",
        "country": "MA",
        "skills": "soudure TIG; lecture de plans",
        "job_titles": "soudeur",
        "diplomas": "Technicien spécialisé en construction métallique",
        "languages": "arabe, français courant, allemand A2",
        "experience_years": 4,
        "destinations": ["DE", "BE"],
    }
    return body | overrides


def opening_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "job",
        "title": "TIG welder",
        "occupation": "welder",
        "essential_skills": "TIG welding; reading technical drawings",
        "optional_skills": "MIG welding",
        "languages": "German B1",
        "capacity": 3,
        "country": "DE",
        "city": "Stuttgart",
        "start_date": "2027-03-01",
    }
    return body | overrides
