"""Audit points through real rounds (in-process, SQLite, local storage): drawn on held-out
pool images no round trains on, labelled like any task, never in a training label map, and
turned into estimates of every round's model."""

import io
import json

import numpy as np
from PIL import Image as PILImage
from sqlalchemy import select

from backend.db import open_session
from backend.models import Image, Project, ProjectMember, Round, User
from backend.round_settings import ModelSettings, RoundSettings
from backend.services.audit import current_model
from backend.services.rounds import create_round
from backend.storage import get_storage
from tests.conftest import ANNOTATOR
from tests.worker.test_round_variants import _run_round, _tasks, environment  # noqa: F401
from worker.oracle import answer_tasks_inline
from worker.pipeline.audit import MIN_HELD_OUT_IMAGES, held_out_images, refresh_estimates
from worker.pipeline.runner import Outcome, advance

AUDIT_POINTS = 16  # on the 2 held-out images of the 10 in the pool (a quarter): 8 each


def _settings(audit_share: float = 0.05, audit_min_points: int = 20, seed: int = 0):
    return RoundSettings(
        selection_method="ppl",
        objective="none",
        objective_config={},
        points_per_image=40,
        pixel_budget=0.022,
        images_per_round=10,
        model=ModelSettings(seed=seed),
        audit_share=audit_share,
        audit_min_points=audit_min_points,
    )


def _pool(ids, labelled=(), audited=(), first_id: int = 0) -> list[dict]:
    """Pool manifest entries of images "img-N" (ids from `first_id` + N)."""
    return [
        {
            "id": first_id + i,
            "name": f"img-{i}",
            "label_key": f"labels/{i}.png" if i in labelled else None,
            "audit_points": [[0, 0]] if i in audited else [],
        }
        for i in ids
    ]


def test_held_out_images_are_a_fixed_uniform_share_of_the_pool():
    settings = _settings()
    pool = _pool(range(1000))
    held = held_out_images(settings, pool)
    assert len(held) == 50, "5 % of the pool"
    assert held == held_out_images(settings, pool[::-1]), "whatever order the pool comes in"
    assert held != held_out_images(_settings(seed=1), pool), "a project's seed draws its own"
    # The same images in another project (other ids): the same ones held out.
    elsewhere = held_out_images(settings, _pool(range(1000), first_id=5000))
    assert elsewhere == {5000 + i for i in held}
    # Spread over the pool, not its first or last images (ids in import order).
    assert 10 <= len(held & set(range(500))) <= 40
    assert len(held_out_images(settings, pool[:100])) == MIN_HELD_OUT_IMAGES
    assert len(held_out_images(settings, pool[:10])) == 2, "at most a quarter of a small pool"
    assert held_out_images(_settings(0.0, 0), pool) == set(), "no audit, nothing held out"


def test_held_out_images_stay_held_out_and_are_never_trained_images():
    settings = _settings()
    held = held_out_images(settings, _pool(range(1000)))
    # Importing more images never releases an image that holds audit points.
    grown = held_out_images(settings, _pool(range(2000), audited=held))
    assert held <= grown and len(grown) == 100
    # Images trained before hold-outs existed never hold audit points, audited or not.
    trained = set(list(held)[:5])
    upgraded = held_out_images(settings, _pool(range(1000), labelled=trained, audited=trained))
    assert not upgraded & trained and len(upgraded) == 50


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
    assert len(train) == 2 and len(audits) == 2
    assert sorted(len(t.points) for t in audits) == [8, 8]
    held_out = {t.image_id for t in audits}
    assert not held_out & {t.image_id for t in train}
    assert first.audit["points"] == 0 and first.audit["miou"] is None
    assert "at least 10" in first.audit["reason"]

    with open_session() as session:
        annotator = session.scalar(select(User.id).where(User.email == ANNOTATOR[0]))
        session.add(ProjectMember(project_id=project_id, user_id=annotator))
        session.commit()
    labels_dir = demo_data / "target/train/labels"
    answered = answer_tasks_inline(project_id, labels_dir, annotator, progress=False)
    assert answered["tasks"] == 4

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
        # Round 0 against round 1 on the same points; the latest is served unless round 0
        # is measurably better.
        versus = rounds[0].audit["versus_latest"]
        assert -1 <= versus["low"] <= versus["high"] <= 1
        assert rounds[1].audit["versus_latest"] is None
        served, reason = current_model(session, session.get_one(Project, project_id))
        expected_round = 0 if versus["low"] > 0 else 1
        assert served.number == expected_round
        assert reason == ("measurably better than the latest on audit points" if versus["low"] > 0
                          else "latest (no earlier round measurably better)")  # fmt: skip
    # Round 1 never asks for a pixel that was asked as an audit point, trains on none of the
    # held-out images and audits them alone.
    for task in _tasks(second_id) + _tasks(second_id, "audit"):
        assert not {(task.image_id, p["x"], p["y"]) for p in task.points} & asked
    assert not {t.image_id for t in _tasks(second_id)} & held_out
    assert {t.image_id for t in _tasks(second_id, "audit")} <= held_out


def _truth(labels_dir, image_id: int) -> np.ndarray:
    with open_session() as session:
        name = session.get_one(Image, image_id).name
    return np.asarray(PILImage.open(labels_dir / f"{name}.png"))
