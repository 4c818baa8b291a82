"""skips record their seconds

One row per skip with the seconds the annotator spent before skipping, which the ledger and
an hours budget count. Skips made before this revision are backfilled from the tasks'
skipped_by with 0 seconds (their time was never reported).

Revision ID: c8e2f4a6b1d3
Revises: a3d5f7c9e1b2
Create Date: 2026-12-05 14:30:00
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "c8e2f4a6b1d3"
down_revision: str | None = "a3d5f7c9e1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    skips = op.create_table(
        "task_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seconds_spent", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["annotation_tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_skips_task_id", "task_skips", ["task_id"])
    tasks = op.get_bind().execute(
        sa.text("SELECT id, skipped_by FROM annotation_tasks WHERE skipped_by IS NOT NULL")
    )
    now = datetime.now(UTC)
    rows = [
        {"task_id": task_id, "user_id": user_id, "seconds_spent": 0.0, "created_at": now}
        for task_id, skipped_by in tasks
        for user_id in (json.loads(skipped_by) if isinstance(skipped_by, str) else skipped_by)
    ]
    if rows:
        op.bulk_insert(skips, rows)


def downgrade() -> None:
    op.drop_index("ix_task_skips_task_id", table_name="task_skips")
    op.drop_table("task_skips")
