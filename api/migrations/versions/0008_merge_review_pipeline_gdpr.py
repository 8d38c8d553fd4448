"""merge the review, pipeline/consent and GDPR branches

Revision ID: 0008_merge
Revises: 0005_review, 0006_pipeline_consent, 0007_gdpr
Create Date: 2026-11-28 07:55:00

The three were written side by side on top of 0004_audit_placements and touch different
tables; this revision joins them so the history has one head again.
"""

from collections.abc import Sequence

revision: str = "0008_merge"
down_revision: str | Sequence[str] | None = ("0005_review", "0006_pipeline_consent", "0007_gdpr")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
