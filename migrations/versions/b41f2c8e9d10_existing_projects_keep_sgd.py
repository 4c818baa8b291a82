"""existing projects keep the SGD recipe their settings were chosen for

New projects train with AdamW (ModelSettings.optimizer); projects created before it have an
`lr` meant for SGD (0.01, ten times AdamW's), so they keep SGD until an admin changes it.

Revision ID: b41f2c8e9d10
Revises: 7e21c4d9a0f3
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b41f2c8e9d10"
down_revision: str | None = "7e21c4d9a0f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

projects = sa.table("projects", sa.column("id", sa.Integer), sa.column("model_settings", sa.JSON))


def upgrade() -> None:
    connection = op.get_bind()
    for project_id, settings in connection.execute(
        sa.select(projects.c.id, projects.c.model_settings)
    ):
        if isinstance(settings, dict) and "optimizer" not in settings:
            connection.execute(
                projects.update()
                .where(projects.c.id == project_id)
                .values(model_settings={**settings, "optimizer": "sgd"})
            )


NEW_KEYS = ("optimizer", "output_stride", "selector_training")


def downgrade() -> None:
    """The settings the older code knows (it refuses unknown keys)."""
    connection = op.get_bind()
    for project_id, settings in connection.execute(
        sa.select(projects.c.id, projects.c.model_settings)
    ):
        if isinstance(settings, dict) and any(key in settings for key in NEW_KEYS):
            rest = {k: v for k, v in settings.items() if k not in NEW_KEYS}
            connection.execute(
                projects.update().where(projects.c.id == project_id).values(model_settings=rest)
            )
