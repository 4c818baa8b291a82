"""dataset import report

Revision ID: 50ad1e460c37
Revises: 8a7d8a3375d1
Create Date: 2026-11-22 05:33:36.205009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "50ad1e460c37"
down_revision: str | None = "8a7d8a3375d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        # Datasets imported before this revision were complete: they are ready.
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="ready")
        )
        batch_op.add_column(sa.Column("report", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("report")
        batch_op.drop_column("status")
