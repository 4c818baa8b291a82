"""The embedded demo: generated data, two accounts and a project, all on local files."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.models import Dataset, DatasetKind, Project, ProjectMember, Role
from backend.round_settings import ModelSettings
from backend.services.datasets import import_folder
from backend.services.users import ensure_user
from backend.storage import get_storage
from worker.ml.synthetic import DEMO_CLASSES, generate_demo_dataset

ADMIN = ("admin@segloop.demo", "segloop-admin")
ANNOTATOR = ("annotator@segloop.demo", "segloop-annotator")
PROJECT_NAME = "Demo streets"
DEMO_ITERATIONS = 250
DEMO_FINETUNE_ITERATIONS = 150
DEMO_SELECTOR_ITERATIONS = 60
DATASET_FOLDERS = {
    DatasetKind.source: "source/train",
    DatasetKind.target_pool: "target/train",
    DatasetKind.target_val: "target/val",
}


@dataclass
class DemoSetup:
    project_id: int
    data_dir: Path


def ensure_demo(session: Session, settings: Settings, data_dir: Path) -> DemoSetup:
    """Idempotent: running the demo twice reuses what the first run created."""
    if not (data_dir / "classes.json").is_file():
        generate_demo_dataset(data_dir)
    ensure_user(session, *ADMIN, Role.admin)
    annotator = ensure_user(session, *ANNOTATOR, Role.annotator)
    project = session.scalar(select(Project).where(Project.name == PROJECT_NAME))
    if project is None:
        project = Project(
            name=PROJECT_NAME,
            classes=DEMO_CLASSES,
            selection_method="ppl",
            objective="none",
            points_per_image=20,
            images_per_round=8,
            # The default recipe, shortened so round 0 takes under 3 minutes on two cores
            # (README: measured figures).
            model_settings=ModelSettings(
                iterations=DEMO_ITERATIONS,
                finetune_iterations=DEMO_FINETUNE_ITERATIONS,
                selector_iterations=DEMO_SELECTOR_ITERATIONS,
            ).model_dump(mode="json"),
        )
        session.add(project)
        session.commit()
        session.add(ProjectMember(project_id=project.id, user_id=annotator.id))
        session.commit()
    imported = set(session.scalars(select(Dataset.kind).where(Dataset.project_id == project.id)))
    storage = get_storage(settings)
    for kind, folder in DATASET_FOLDERS.items():
        if kind not in imported:
            import_folder(session, storage, settings, project, data_dir / folder, kind, folder)
    return DemoSetup(project_id=project.id, data_dir=data_dir)
