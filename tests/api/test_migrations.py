import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from backend.models import Base


def test_migrations_build_exactly_the_models_schema(api):
    """A model change without its migration would break every existing deployment."""
    from backend.config import get_settings

    engine = create_engine(get_settings().database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_projects_from_before_adamw_keep_their_sgd_recipe(tmp_path):
    """Their `lr` (0.01) was chosen for SGD; AdamW at that rate would wreck their next round."""
    import sqlalchemy as sa
    from alembic import command

    from backend.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "7e21c4d9a0f3")
    old = {"backbone": "mobilenet_v3_small", "pretrained": False, "lr": 0.01, "seed": 0}
    engine = create_engine(url)
    projects = sa.table("projects", sa.column("model_settings", sa.JSON))
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO projects (name, classes, ignore_index, selection_method, objective,"
                " objective_config, points_per_image, pixel_budget, images_per_round,"
                " model_settings, created_at) VALUES ('old', '[]', 255, 'ppl', 'none', '{}', 40,"
                " 0.022, 10, :settings, '2026-01-01')"
            ),
            {"settings": json.dumps(old)},
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        [settings] = connection.execute(sa.select(projects.c.model_settings)).scalars()
    assert settings == {**old, "optimizer": "sgd"}

    command.downgrade(alembic_config(url), "7e21c4d9a0f3")
    with engine.connect() as connection:
        [settings] = connection.execute(sa.select(projects.c.model_settings)).scalars()
    engine.dispose()
    assert settings == old
