"""Every selection method and every self-training objective through the real round stages,
driven in-process (no broker) on SQLite and local storage: the worker's library mode."""

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image as PILImage
from sqlalchemy import select

from backend.db import open_session
from backend.models import AnnotationTask, Image, Project, Round
from backend.services.rounds import create_round
from backend.storage import get_storage
from tests.conftest import TINY_MODEL, segloop_environment
from worker.pipeline.runner import Outcome, advance

torch.set_num_threads(1)

FAST_MODEL = {
    **TINY_MODEL,
    "iterations": 30,
    "finetune_iterations": 6,
    "selector_iterations": 30,
    "checkpoint_every": 4,
}


@pytest.fixture(scope="module")
def environment(tmp_path_factory, demo_data):
    data_dir = tmp_path_factory.mktemp("inline")
    with segloop_environment(f"sqlite:///{data_dir}/inline.db", data_dir, demo_data):
        from backend.config import get_settings
        from backend.models import DatasetKind
        from backend.services.datasets import import_folder

        classes = json.loads((demo_data / "classes.json").read_text())["classes"]

        def make_project(**settings) -> int:
            with open_session() as session:
                project = Project(
                    name=f"p{len(session.scalars(select(Project.id)).all())}",
                    classes=classes,
                    points_per_image=5,
                    images_per_round=2,
                    **{"model_settings": FAST_MODEL, **settings},
                )
                session.add(project)
                session.commit()
                for kind, folder in (
                    (DatasetKind.source, "source/train"),
                    (DatasetKind.target_pool, "target/train"),
                    (DatasetKind.target_val, "target/val"),
                ):
                    import_folder(
                        session,
                        get_storage(),
                        get_settings(),
                        project,
                        demo_data / folder,
                        kind,
                        folder,
                    )
                return project.id

        yield make_project


def _run_round(project_id: int) -> Round:
    with open_session() as session:
        round_id = create_round(session, session.get(Project, project_id)).id
    for _ in range(20):
        if advance(round_id) == Outcome.finished:
            break
    with open_session() as session:
        return session.get(Round, round_id)


def _tasks(round_id: int, purpose: str = "train") -> list[AnnotationTask]:
    """The round's training tasks (or its audit tasks): projects here ask for audit points."""
    with open_session() as session:
        return list(
            session.scalars(
                select(AnnotationTask).where(
                    AnnotationTask.round_id == round_id, AnnotationTask.purpose == purpose
                )
            )
        )


def _mask(key: str) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(get_storage().get(key)))) > 0


POINT_METHODS = ["ppl", "ppl_spread", "random", "entropy", "margin", "ripu_pixel"]
REGION_METHODS = [
    "spl",
    "spl_spread",
    "spl_plus_random",
    "spl_plus_balanced",
    "ripu_region",
    "random_mask",
    "random_segments",
]


@pytest.mark.parametrize("method", POINT_METHODS + REGION_METHODS)
def test_each_selection_method_publishes_tasks_of_its_kind(environment, method):
    round_ = _run_round(environment(selection_method=method, pixel_budget=0.05))
    assert round_.status == "done", round_.error
    tasks = _tasks(round_.id)
    # LabOR asks only where its heads disagree, so an image may need no label at all.
    assert (
        1 <= len(tasks) <= 2
        if method in ("ppl", "ppl_spread", "spl", "spl_spread")
        else len(tasks) == 2
    )
    # Audit points on the held-out quarter of the pool of 10: 20 points (the minimum), 10 on
    # each of 2 images.
    audits = _tasks(round_.id, "audit")
    assert len(audits) == 2
    assert all(t.kind == "points" and len(t.points) == 10 for t in audits)
    assert not {t.image_id for t in audits} & {t.image_id for t in tasks}
    for task in tasks:
        if method in POINT_METHODS:
            assert task.kind == "points"
            assert 1 <= len(task.points) <= 5
            assert len({(p["x"], p["y"]) for p in task.points}) == len(task.points)
            assert all(0 <= p["x"] < 64 and 0 <= p["y"] < 48 for p in task.points)
        else:
            assert task.kind == "region" and task.points == []
            requested = _mask(task.mask_key)
            assert requested.sum() == task.requested_pixels
            assert 0 < task.requested_pixels <= int(0.05 * 64 * 48) + 1


def test_a_random_baseline_asks_about_images_drawn_by_its_seed(environment):
    """Random baselines rank images without the model: the draw must still follow the
    project's seed (the same images again, other images under another seed), not the pool's
    order. No audit points: their held-out images alone would differ between seeds."""

    def asked(seed: int) -> list[str]:
        project = environment(
            selection_method="random",
            audit_share=0.0,
            audit_min_points=0,
            model_settings={**FAST_MODEL, "seed": seed},
        )
        round_ = _run_round(project)
        assert round_.status == "done", round_.error
        ids = [task.image_id for task in _tasks(round_.id)]
        with open_session() as session:
            return sorted(session.scalars(select(Image.name).where(Image.id.in_(ids))))

    first = asked(0)
    assert len(first) == 2
    assert asked(0) == first
    assert asked(1) != first


@pytest.mark.parametrize("objective", ["dacs", "proda", "daso"])
def test_each_objective_trains_a_round_and_resumes_into_the_next(environment, objective):
    project_id = environment(objective=objective)
    first = _run_round(project_id)
    assert first.status == "done", first.error
    assert first.metrics["miou"] is not None
    storage = get_storage()
    prefix = f"projects/{project_id}/rounds/0"
    assert storage.exists(f"{prefix}/model_a.warmup.pt"), "round 0 warms up before self-training"
    if objective == "proda":
        assert storage.exists(f"{prefix}/soft_labels/0.pt"), "soft labels live in storage"
    second = _run_round(project_id)
    assert second.status == "done", second.error
    assert not storage.exists(f"projects/{project_id}/rounds/1/model_a.warmup.pt")


@pytest.mark.parametrize("selector_training", ["heads", "all"])
def test_the_default_pretrained_model_runs_a_labor_round(environment, selector_training):
    """The product's default: EfficientNet-Lite0 with its packaged ImageNet weights, DeepLabv3+,
    AdamW; B trained on A's frozen encoder (or whole)."""
    settings = {k: v for k, v in FAST_MODEL.items() if k not in ("backbone", "pretrained")}
    project_id = environment(
        selection_method="ppl",
        model_settings={**settings, "selector_training": selector_training},
    )
    round_ = _run_round(project_id)
    assert round_.status == "done", round_.error
    assert round_.settings["model"]["backbone"] == "efficientnet_lite0"
    assert round_.settings["model"]["pretrained"] is True
    model = torch.load(io.BytesIO(get_storage().get(round_.checkpoint_key)), weights_only=True)
    selector = torch.load(
        io.BytesIO(get_storage().get(round_.selector_checkpoint_key)), weights_only=True
    )
    encoder = [k for k in model if k.startswith("encoder.")]
    same = all(torch.equal(model[k], selector[k]) for k in encoder)
    assert same == (selector_training == "heads"), "B's encoder is A's exactly when frozen"
    assert _tasks(round_.id)
