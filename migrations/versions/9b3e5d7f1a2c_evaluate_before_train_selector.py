"""evaluate before train_selector

Rounds now evaluate model A before training selector B. A round stopped at train_selector
under the old order had not evaluated yet, so it resumes at evaluate (then trains B); one
stopped at evaluate had B already, whose stage finds its checkpoint and skips.

Revision ID: 9b3e5d7f1a2c
Revises: c8e2f4a6b1d3
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3e5d7f1a2c"
down_revision: str | None = "c8e2f4a6b1d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE rounds SET stage = 'evaluate' WHERE stage = 'train_selector'"))


def downgrade() -> None:
    """Under the old order a round at train_selector trains B, then evaluates again: nothing
    to move."""
