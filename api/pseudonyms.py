"""Per-employer pseudonyms of candidates, and the server secret they derive from.

``pseudonym(secret, employer_id=e, candidate_id=c)`` is HMAC-SHA256 of the candidate id under a
key that is itself HMAC(secret, employer id): stable for one employer, unlinkable across
employers (two employers see unrelated pseudonyms for the same candidate), and not reversible
without the server secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from api.models.candidates import Candidate, CandidatePseudonymised
from api.models.concepts import NormalisedConceptPublic
from api.settings import Settings

__all__ = ["employer_key", "load_server_secret", "pseudonym", "pseudonymise"]

logger = logging.getLogger("api")

_SECRET_BYTES = 32


def employer_key(secret: bytes, *, employer_id: int) -> bytes:
    return hmac.new(
        secret, f"employer-pseudonym-key:{employer_id}".encode(), hashlib.sha256
    ).digest()


def pseudonym(secret: bytes, *, employer_id: int, candidate_id: int) -> str:
    """``"C-"`` and 20 base32 characters (100 bits), e.g. ``C-MFRGGZDFMZTWQ2LKNNWG``."""
    key = employer_key(secret, employer_id=employer_id)
    digest = hmac.new(key, f"candidate:{candidate_id}".encode(), hashlib.sha256).digest()
    return "C-" + base64.b32encode(digest).decode("ascii")[:20]


def pseudonymise(
    candidate: Candidate,
    concepts: list[NormalisedConceptPublic],
    *,
    secret: bytes,
    employer_id: int,
) -> CandidatePseudonymised:
    """What employer ``employer_id`` may see of ``candidate``: its pseudonym, origin,
    experience and concepts — never the name, birth date or contact."""
    assert candidate.id is not None
    return CandidatePseudonymised(
        pseudonym=pseudonym(secret, employer_id=employer_id, candidate_id=candidate.id),
        country=candidate.country,
        experience_years=candidate.experience_years,
        concepts=concepts,
    )


def load_server_secret(settings: Settings) -> bytes:
    """``settings.secret_key``, or the secret kept in ``settings.secret_file`` (created, mode
    0600, on first use). Called once, at app start-up."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8")
    path = Path(settings.secret_file)
    if not path.exists():
        _create_secret_file(path)
    text = path.read_text(encoding="ascii").strip()
    if len(text) != 2 * _SECRET_BYTES:
        raise ValueError(f"{path}: expected {2 * _SECRET_BYTES} hex digits, got {len(text)}")
    return bytes.fromhex(text)


def _create_secret_file(path: Path) -> None:
    """Write a new secret atomically: a private temporary file, linked into place unless
    another process (a second server worker) got there first."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_bytes(_SECRET_BYTES).hex() + "\n")
    try:
        os.link(temporary, path)
        logger.warning("created a new server secret in %s: keep it with the database", path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
