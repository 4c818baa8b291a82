"""The benchmark's project, written straight into the database as the worker's publish stage
would: member accounts and published points tasks with masks, so that no round has to train."""

import io
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from backend.auth import hash_password
from backend.models import (
    AnnotationTask,
    Dataset,
    DatasetKind,
    Image,
    Project,
    ProjectMember,
    Role,
    Round,
    User,
)
from backend.storage import LocalStorage

CLASSES = [
    {"id": i, "name": name, "colour": colour}
    for i, (name, colour) in enumerate(
        [
            ("road", "#804080"),
            ("building", "#464646"),
            ("vegetation", "#6b8e23"),
            ("sky", "#4682b4"),
            ("person", "#dc143c"),
            ("vehicle", "#00008e"),
            ("sign", "#dcdc00"),
        ]
    )
]


@dataclass
class Seeded:
    """What seed() wrote: the project, the members' emails and their one password, the tasks."""

    project_id: int
    emails: list[str]
    password: str
    tasks: int


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def seed(
    database_url: str,
    storage_dir: Path,
    annotators: int,
    tasks: int,
    points: int = 40,
    size: tuple[int, int] = (192, 256),
) -> Seeded:
    """A project, `annotators` member accounts, and `tasks` published points tasks with masks,
    written as the worker's publish stage would."""
    rng = np.random.default_rng(0)
    height, width = size
    storage = LocalStorage(storage_dir)
    tag = uuid.uuid4().hex[:8]
    storage.put(f"bench-{tag}/image.png", _png(rng.integers(0, 255, (*size, 3), dtype=np.uint8)))
    password = "bench-" + secrets.token_hex(8)
    hashed = hash_password(password)  # one hash for every account: argon2 is slow on purpose
    emails = [f"annotator{i}-{tag}@bench.example" for i in range(annotators)]
    engine = create_engine(database_url)
    with Session(engine) as session:
        project = Project(name=f"bench-{tag}", classes=CLASSES, points_per_image=points)
        session.add(project)
        session.flush()
        users = [User(email=e, hashed_password=hashed, role=Role.annotator) for e in emails]
        session.add_all(users)
        dataset = Dataset(
            project_id=project.id, name="pool", kind=DatasetKind.target_pool, image_count=tasks
        )
        round_ = Round(project_id=project.id, number=0, status="done", stage="done")
        session.add_all([dataset, round_])
        session.flush()
        session.add_all([ProjectMember(project_id=project.id, user_id=u.id) for u in users])
        images = [
            Image(
                dataset_id=dataset.id,
                name=f"img{i:06d}",
                width=width,
                height=height,
                image_key=f"bench-{tag}/image.png",
            )
            for i in range(tasks)
        ]
        session.add_all(images)
        session.flush()
        for i, image in enumerate(images):
            flat = rng.choice(height * width, size=points, replace=False)
            chosen = [{"x": int(f % width), "y": int(f // width)} for f in flat]
            mask = np.zeros(size, dtype=np.uint8)
            for p in chosen:
                mask[p["y"], p["x"]] = 255
            mask_key = f"bench-{tag}/masks/{i}.png"
            storage.put(mask_key, _png(mask))
            session.add(
                AnnotationTask(
                    project_id=project.id,
                    round_id=round_.id,
                    image_id=image.id,
                    kind="points",
                    points=chosen,
                    mask_key=mask_key,
                    requested_pixels=points,
                    priority=float(rng.random()),
                )
            )
        session.commit()
        project_id = project.id
    engine.dispose()
    return Seeded(project_id, emails, password, tasks)
