"""index candidates.birth_date

Revision ID: 0009_birth_date_index
Revises: 0008_merge
Create Date: 2026-11-28 14:20:00

Every new candidate is now compared with the other agencies' candidates of the same birth date
(``api.duplicates``), a single create as well as an import: without an index each comparison
read the whole table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_birth_date_index"
down_revision: str | Sequence[str] | None = "0008_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_candidates_birth_date", "candidates", ["birth_date"])


def downgrade() -> None:
    op.drop_index("ix_candidates_birth_date", table_name="candidates")
