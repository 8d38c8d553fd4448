"""GDPR: a candidate's access export (Art. 15), erasure (Art. 17, with notices to the employers
who had received the data, Art. 19), and retention — one module each (``export``,
``erasure``, ``retention``), on the schema's view of a candidate (``footprint``).

What belongs to a candidate is found from the schema, not from a list kept by hand: every table
with a foreign key to ``candidates.id`` — and, from those rows, every table with a foreign key
to *them* — as declared on ``SQLModel.metadata`` (``footprint``). A table added later is
covered as soon as its model is registered in ``api.models``.

Erasure, for each row of the footprint:

* a row the database would delete with the candidate (``ON DELETE CASCADE``, or no action) is
  deleted, children first;
* a row that outlives the candidate (``ON DELETE SET NULL`` — placements, decisions, identity
  reveals —, and the rows hanging off such a row, e.g. a placement's stage events) stays for
  the aggregate counts: its references to the candidate become NULL and its free-text columns
  (``free_text_columns``: strings longer than 64 characters, or any column whose
  ``info["personal"]`` is true) are cleared — a reason may quote the candidate;
* outside the foreign keys: the curation queue items and synonyms made of texts only this
  candidate held are deleted (or re-worded after another holder of the same folded text), the
  candidate's id is taken out of the stored answers of imports (``Idempotency-Key`` replays)
  and out of round results (unassigned candidates, reserve lists);
* on SQLite, ``secure_delete`` is on for the transaction's connection, so what is deleted or
  overwritten is zeroed in the file (it reaches the main file at the next WAL checkpoint);
  PostgreSQL keeps dead row versions until ``VACUUM`` reuses their space;
* the audit log is never touched (append-only, and pseudonymous by construction).

An ``Erasure`` row records it (pseudonymous subject, who, when, counts per table), one
``ErasureNotice`` per employer that had received the candidate's data (shortlisted in a
published round, a placement, an identity reveal), and the audit log gets ``candidate.erased``.
"""

from api.gdpr.erasure import erase, erase_many, erasure_subject
from api.gdpr.export import export
from api.gdpr.footprint import (
    UNTOUCHED,
    Footprint,
    Link,
    Receipt,
    base_type,
    candidate_links,
    footprint,
    free_text_columns,
    recipients,
)
from api.gdpr.retention import CLOSED_STAGES, retention_due

__all__ = [
    "CLOSED_STAGES",
    "UNTOUCHED",
    "Footprint",
    "Link",
    "Receipt",
    "base_type",
    "candidate_links",
    "erase",
    "erase_many",
    "erasure_subject",
    "export",
    "footprint",
    "free_text_columns",
    "recipients",
    "retention_due",
]
