"""SQLModel tables, one module per concept; importing this package registers every table on
``SQLModel.metadata`` (which Alembic compares against)."""

from api.models.candidates import Candidate, CandidateConcept
from api.models.openings import Opening, OpeningConcept
from api.models.organisations import Organisation
from api.models.users import ApiToken, User

__all__ = [
    "ApiToken",
    "Candidate",
    "CandidateConcept",
    "Opening",
    "OpeningConcept",
    "Organisation",
    "User",
]
