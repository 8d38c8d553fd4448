"""curation queue, synonyms, import records, duplicate flags

Revision ID: 0002_curation
Revises: 0001
Create Date: 2026-11-28 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_curation"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "synonyms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("text_key", sa.String(length=500), nullable=False),
        sa.Column("concept_uri", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "text_key"),
    )
    op.create_table(
        "curation_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("text_key", sa.String(length=500), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("guesses", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("concept_uri", sa.String(length=255), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "text_key"),
    )
    op.create_index("ix_curation_items_status", "curation_items", ["status"], unique=False)
    op.create_table(
        "import_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "idempotency_key"),
    )
    op.create_index(
        "ix_import_records_organisation_id", "import_records", ["organisation_id"], unique=False
    )
    op.create_table(
        "duplicate_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["duplicate_of_id"], ["candidates.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_duplicate_flags_candidate_id", "duplicate_flags", ["candidate_id"], unique=False
    )
    op.create_index(
        "ix_duplicate_flags_duplicate_of_id", "duplicate_flags", ["duplicate_of_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_duplicate_flags_duplicate_of_id", table_name="duplicate_flags")
    op.drop_index("ix_duplicate_flags_candidate_id", table_name="duplicate_flags")
    op.drop_table("duplicate_flags")
    op.drop_index("ix_import_records_organisation_id", table_name="import_records")
    op.drop_table("import_records")
    op.drop_index("ix_curation_items_status", table_name="curation_items")
    op.drop_table("curation_items")
    op.drop_table("synonyms")
