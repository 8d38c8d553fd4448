"""SQLModel tables, one module per concept; importing this package registers every table on
``SQLModel.metadata`` (which Alembic compares against)."""

from api.models.audit import AuditRecord
from api.models.candidates import Candidate, CandidateConcept
from api.models.consent import Consent, IdentityReveal
from api.models.curation import CurationItem, Synonym
from api.models.gdpr import Erasure, ErasureNotice
from api.models.imports import DuplicateFlag, ImportRecord
from api.models.openings import Opening, OpeningConcept
from api.models.organisations import Organisation
from api.models.pipeline import StageEvent
from api.models.placements import Placement
from api.models.review import Decision, RoundPublication
from api.models.rounds import Round, RoundAssignment
from api.models.users import ApiToken, User

__all__ = [
    "ApiToken",
    "AuditRecord",
    "Candidate",
    "CandidateConcept",
    "Consent",
    "CurationItem",
    "Decision",
    "DuplicateFlag",
    "Erasure",
    "ErasureNotice",
    "IdentityReveal",
    "ImportRecord",
    "Opening",
    "OpeningConcept",
    "Organisation",
    "Placement",
    "Round",
    "RoundAssignment",
    "RoundPublication",
    "StageEvent",
    "Synonym",
    "User",
]
