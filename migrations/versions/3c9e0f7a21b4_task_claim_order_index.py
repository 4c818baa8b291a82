"""task claim order index

Revision ID: 3c9e0f7a21b4
Revises: 50ad1e460c37
Create Date: 2026-11-22 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9e0f7a21b4"
down_revision: str | None = "50ad1e460c37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL only, as in the models: the embedded SQLite default serves small projects.


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_annotation_tasks_claim_order",
        "annotation_tasks",
        ["project_id", sa.text("priority DESC"), "id"],
        postgresql_where=sa.text("status IN ('pending', 'leased')"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_annotation_tasks_claim_order", table_name="annotation_tasks")
