"""audit points, the label ledger and a labelling budget

Task purpose (train or audit), per-round audit estimates, audit and budget settings, the
pinned round, and the effort each annotation counts in the ledger (backfilled from the rows:
a submission without a region file is points only, one with a file is painted).

Revision ID: a3d5f7c9e1b2
Revises: f2b8d0c4e6a1
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3d5f7c9e1b2"
down_revision: str | None = "f2b8d0c4e6a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("annotation_tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=16), nullable=False, server_default="train")
        )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit", sa.JSON(), nullable=True))
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_share", sa.Float(), nullable=False, server_default="0.05")
        )
        batch_op.add_column(
            sa.Column("audit_min_points", sa.Integer(), nullable=False, server_default="20")
        )
        batch_op.add_column(sa.Column("budget_unit", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("budget_amount", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("pinned_round_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_projects_pinned_round", "rounds", ["pinned_round_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("painted_pixels", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("segments", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE annotations SET"
        " points = CASE WHEN label_key IS NULL THEN labelled_pixels ELSE 0 END,"
        " painted_pixels = CASE WHEN label_key IS NULL THEN 0 ELSE labelled_pixels END"
    )


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_column("segments")
        batch_op.drop_column("painted_pixels")
        batch_op.drop_column("points")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint("fk_projects_pinned_round", type_="foreignkey")
        batch_op.drop_column("pinned_round_id")
        batch_op.drop_column("budget_amount")
        batch_op.drop_column("budget_unit")
        batch_op.drop_column("audit_min_points")
        batch_op.drop_column("audit_share")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("audit")
    with op.batch_alter_table("annotation_tasks", schema=None) as batch_op:
        batch_op.drop_column("purpose")
