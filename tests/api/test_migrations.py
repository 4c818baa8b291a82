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


def test_skips_from_before_their_seconds_stay_in_the_ledger(tmp_path):
    """Tasks skipped before skips recorded their time keep counting as skipped (0 seconds)."""
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.orm import Session

    from backend.migrate import alembic_config
    from backend.models import (
        AnnotationTask,
        Dataset,
        Image,
        Project,
        Round,
        TaskSkip,
        User,
    )

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "a3d5f7c9e1b2")
    engine = create_engine(url)
    with Session(engine) as session:
        users = [User(email=f"u{i}@example.com", hashed_password="x") for i in range(2)]
        project = Project(name="old", classes=[], model_settings={})
        session.add_all([*users, project])
        session.flush()
        dataset = Dataset(project_id=project.id, name="pool", kind="target_pool")
        round_ = Round(project_id=project.id, number=0, status="done", stage="done")
        session.add_all([dataset, round_])
        session.flush()
        image = Image(dataset_id=dataset.id, name="a", width=4, height=4, image_key="a")
        session.add(image)
        session.flush()
        session.add(
            AnnotationTask(
                project_id=project.id,
                round_id=round_.id,
                image_id=image.id,
                kind="points",
                skipped_by=[users[0].id, users[1].id],
            )
        )
        session.commit()
        user_ids = sorted(u.id for u in users)
    command.upgrade(alembic_config(url), "head")
    with Session(engine) as session:
        skips = session.scalars(sa.select(TaskSkip).order_by(TaskSkip.user_id)).all()
        assert [(s.user_id, s.seconds_spent) for s in skips] == [(i, 0.0) for i in user_ids]
    command.downgrade(alembic_config(url), "a3d5f7c9e1b2")
    engine.dispose()


def test_rounds_stopped_before_selector_b_still_evaluate(tmp_path):
    """Evaluate moved before train_selector: a round left at train_selector had not evaluated,
    and would otherwise go on to select without target/val figures or audit estimates."""
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.orm import Session

    from backend.migrate import alembic_config
    from backend.models import Project, Round

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "c8e2f4a6b1d3")
    engine = create_engine(url)
    with Session(engine) as session:
        project = Project(name="old", classes=[], model_settings={})
        session.add(project)
        session.flush()
        for number, (status, stage) in enumerate(
            [("running", "train_selector"), ("queued", "evaluate"), ("done", "done")]
        ):
            session.add(Round(project_id=project.id, number=number, status=status, stage=stage))
        session.commit()
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        stages = connection.execute(sa.text("SELECT stage FROM rounds ORDER BY number")).scalars()
        assert list(stages) == ["evaluate", "evaluate", "done"]
    command.downgrade(alembic_config(url), "c8e2f4a6b1d3")
    engine.dispose()
