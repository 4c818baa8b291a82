"""one ignore index: 255 for every project, no per-project column nobody could set

Revision ID: f2b8d0c4e6a1
Revises: e4a9c1d7b2f6
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2b8d0c4e6a1"
down_revision: str | None = "e4a9c1d7b2f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("ignore_index")


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ignore_index", sa.Integer(), nullable=False, server_default="255")
        )
