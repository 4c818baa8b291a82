"""Audit points through real rounds (in-process, SQLite, local storage): drawn on pool images
the round does not train on, labelled like any task, never in a training label map, and
turned into estimates of every round's model."""

import io
import json

import numpy as np
from PIL import Image as PILImage
from sqlalchemy import select

from backend.db import open_session
from backend.models import Image, Project, ProjectMember, Round, User
from backend.services.audit import current_model
from backend.services.rounds import create_round
from backend.storage import get_storage
from tests.conftest import ANNOTATOR
from tests.worker.test_round_variants import _run_round, _tasks, environment  # noqa: F401
from worker.oracle import answer_tasks_inline
from worker.pipeline.audit import refresh_estimates
from worker.pipeline.runner import Outcome, advance

AUDIT_POINTS = 16  # on the 8 pool images not chosen for training: 2 each


def _manifest(project_id: int, number: int) -> dict:
    return json.loads(get_storage().get(f"projects/{project_id}/rounds/{number}/manifest.json"))


def _label_map(key: str) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(get_storage().get(key))))


def test_audit_points_are_labelled_never_trained_on_and_estimate_every_round(
    environment,  # noqa: F811
    demo_data,
):
    project_id = environment(
        selection_method="random", audit_share=0.0, audit_min_points=AUDIT_POINTS
    )
    first = _run_round(project_id)
    assert first.status == "done", first.error
    train, audits = _tasks(first.id), _tasks(first.id, "audit")
    assert len(train) == 2 and len(audits) == 8
    assert [len(t.points) for t in audits] == [2] * 8
    assert not {t.image_id for t in audits} & {t.image_id for t in train}
    assert first.audit["points"] == 0 and first.audit["miou"] is None
    assert "at least 10" in first.audit["reason"]

    with open_session() as session:
        annotator = session.scalar(select(User.id).where(User.email == ANNOTATOR[0]))
        session.add(ProjectMember(project_id=project_id, user_id=annotator))
        session.commit()
    labels_dir = demo_data / "target/train/labels"
    answered = answer_tasks_inline(project_id, labels_dir, annotator, progress=False)
    assert answered["tasks"] == 10

    # Between rounds the estimates take the new audit labels at once (what submitting an audit
    # task queues): the served model is chosen on them without waiting for another round.
    assert refresh_estimates(project_id) == "estimated"
    with open_session() as session:
        refreshed = session.get_one(Round, first.id).audit
    assert refreshed["miou"] is not None and refreshed["reason"] is None
    assert refresh_estimates(project_id) == "current", "nothing new: nothing recomputed"

    # The next round's prepare: audit labels go to the manifest, not to the training maps.
    with open_session() as session:
        second_id = create_round(session, session.get_one(Project, project_id)).id
    assert refresh_estimates(project_id) == "busy", "an active round estimates them itself"
    assert advance(second_id) == Outcome.next_stage
    manifest = _manifest(project_id, 1)
    pool = {entry["id"]: entry for entry in manifest["pool"]}
    truth = {i: _truth(labels_dir, i) for i in pool}
    asked = {(t.image_id, p["x"], p["y"]) for t in audits for p in t.points}
    # The oracle answers from the ground truth; its unlabelled pixels (255) give no label.
    expected = {(i, x, y, int(truth[i][y, x])) for i, x, y in asked if truth[i][y, x] != 255}
    got = {(a["image_id"], a["x"], a["y"], a["class_id"]) for a in manifest["audit"]}
    assert got == expected and len(expected) >= 10
    assert refreshed["points"] == len(expected)
    train_pixels = 0
    for entry in pool.values():
        if entry["label_key"] is None:
            continue
        labels = _label_map(entry["label_key"])
        train_pixels += int((labels != 255).sum())
        for x, y in entry["audit_points"]:
            assert labels[y, x] == 255, "an audit pixel is in a training label map"
    trained = sum(truth[t.image_id][p["y"], p["x"]] != 255 for t in train for p in t.points)
    assert manifest["labelled_pixels"] == train_pixels == trained
    assert {i for i, e in pool.items() if e["label_key"]} == {t.image_id for t in train}

    for _ in range(20):
        if advance(second_id) == Outcome.finished:
            break
    with open_session() as session:
        rounds = {
            r.number: r
            for r in session.scalars(select(Round).where(Round.project_id == project_id))
        }
        second = rounds[1]
        assert second.status == "done", second.error
        for round_ in rounds.values():
            estimate = round_.audit
            assert estimate["points"] == len(expected) and estimate["labels_as_of_round"] == 1
            assert estimate["images"] == len({i for i, *_ in expected})
            assert estimate["reason"] is None
            low, high = estimate["miou_interval"]["low"], estimate["miou_interval"]["high"]
            assert 0 <= low <= estimate["miou"] <= high <= 1
            assert round_.metrics["miou"] is not None, "the val figure is kept beside it"
        best, reason = current_model(session, session.get_one(Project, project_id))
        assert reason == "best audit estimate"
        assert best.audit["miou"] == max(r.audit["miou"] for r in rounds.values())
    # Round 1 never asks for a pixel that was asked as an audit point.
    for task in _tasks(second_id) + _tasks(second_id, "audit"):
        assert not {(task.image_id, p["x"], p["y"]) for p in task.points} & asked


def _truth(labels_dir, image_id: int) -> np.ndarray:
    with open_session() as session:
        name = session.get_one(Image, image_id).name
    return np.asarray(PILImage.open(labels_dir / f"{name}.png"))
