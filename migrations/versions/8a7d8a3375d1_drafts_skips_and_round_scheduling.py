"""task drafts, skips and predictions; round scheduling

Revision ID: 8a7d8a3375d1
Revises: d5b1d4775281
Create Date: 2026-11-22 05:26:41.494612
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8a7d8a3375d1"
down_revision: str | None = "d5b1d4775281"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("annotation_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("skipped_by", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("prediction_key", sa.String(length=500), nullable=True))

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_advance_fraction", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("schedule_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_rounds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("max_rounds")
        batch_op.drop_column("schedule_minutes")
        batch_op.drop_column("auto_advance_fraction")

    with op.batch_alter_table("annotation_tasks", schema=None) as batch_op:
        batch_op.drop_column("prediction_key")
        batch_op.drop_column("skipped_by")
        batch_op.drop_column("draft")
