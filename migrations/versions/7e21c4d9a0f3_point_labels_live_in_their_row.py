"""point labels live in their row

Revision ID: 7e21c4d9a0f3
Revises: 3c9e0f7a21b4
Create Date: 2026-11-22 12:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7e21c4d9a0f3"
down_revision: str | None = "3c9e0f7a21b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Annotations stored before this revision keep their label files.
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.alter_column("label_key", existing_type=sa.String(length=500), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.alter_column("label_key", existing_type=sa.String(length=500), nullable=False)
