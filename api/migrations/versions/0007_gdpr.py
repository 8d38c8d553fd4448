"""erasures and erasure notices (GDPR)

Revision ID: 0007_gdpr
Revises: 0004_audit_placements
Create Date: 2026-11-28 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_gdpr"
down_revision: str | None = "0004_audit_placements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("erased_by", sa.Integer(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["erased_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasures_subject"), ["subject"], unique=False)

    op.create_table(
        "erasure_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erasure_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("received", sa.JSON(), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["erasure_id"], ["erasures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("erasure_notices", schema=None) as batch_op:
        for column in ("employer_id", "erasure_id"):
            batch_op.create_index(
                batch_op.f(f"ix_erasure_notices_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("erasure_notices")
    op.drop_table("erasures")
