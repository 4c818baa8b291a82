"""The annotation UI and the admin's round dashboard in real Chromium, against the real API and
a real Celery worker (PostgreSQL + Redis). Two projects share the module: a point (PPL) project
whose round 0 starts as soon as the module does, and a region (SPL) project whose round 0 the
admin launches from the dashboard; the annotation tests then label the tasks those rounds
published."""

import io
import re
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect
from scipy import ndimage
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from backend.models import AnnotationTask
from tests.browser.annotation_view import (
    _annotations,
    _assert_task_drawn,
    _counter,
    _label_all_points,
    _open_project,
    _stats,
    _task_id,
)
from tests.browser.conftest import _members, canvas_point
from tests.conftest import ADMIN, ANNOTATOR, ANNOTATOR_2, create_project

pytestmark = pytest.mark.browser

ROUND_TIMEOUT = 240


@pytest.fixture(scope="module")
def ppl_project(admin, demo_data, annotator_ids) -> dict:
    """Point project; its round 0 is queued at once (via the API) and runs in the background."""
    project = create_project(admin, demo_data, selection_method="ppl", images_per_round=8)
    _members(admin, project, annotator_ids)
    response = admin.post(f"/projects/{project['id']}/rounds")
    assert response.status_code == 202, response.text
    return project


@pytest.fixture(scope="module")
def spl_project(admin, demo_data, annotator_ids) -> dict:
    """Region project; nothing launched (the admin test launches its round 0 from the UI)."""
    project = create_project(admin, demo_data, selection_method="spl", images_per_round=4)
    _members(admin, project, annotator_ids)
    return project


def _round0_done(stack, admin, project: dict) -> dict:
    rounds = admin.get(f"/projects/{project['id']}/rounds").json()
    if not rounds:
        rounds = [admin.post(f"/projects/{project['id']}/rounds").json()]
    round0 = stack.wait_round(admin, rounds[0]["id"], timeout=ROUND_TIMEOUT)
    assert round0["status"] == "done", (round0, stack.log_tail("worker"))
    assert round0["task_count"] > 0
    return project


@pytest.fixture(scope="module")
def ppl_ready(stack, admin, ppl_project) -> dict:
    return _round0_done(stack, admin, ppl_project)


@pytest.fixture(scope="module")
def spl_ready(stack, admin, spl_project) -> dict:
    return _round0_done(stack, admin, spl_project)


# --- (5) admin: launch a round, watch it progress to done -------------------------------------


def test_admin_launches_round_and_watches_it_finish(new_page, stack, ppl_project, spl_project):
    page = new_page(ADMIN)
    page.goto(f"/admin/projects/{spl_project['id']}")
    expect(page.get_by_test_id("project-name")).to_have_text(spl_project["name"])
    expect(page.get_by_test_id("feed-mode")).to_have_text(re.compile("live"))
    page.get_by_test_id("launch-round").click()

    row = page.get_by_test_id("round-row").first
    bar = row.get_by_test_id("round-progress")
    seen: set[int] = set()
    statuses: set[str] = set()
    deadline = time.monotonic() + ROUND_TIMEOUT
    while time.monotonic() < deadline:
        statuses.add(row.get_attribute("data-status") or "")
        seen.add(int(bar.get_attribute("aria-valuenow") or "0"))
        if "done" in statuses or "failed" in statuses:
            break
        page.wait_for_timeout(250)
    assert "done" in statuses, (statuses, stack.log_tail("worker"))
    expect(row.get_by_test_id("round-status")).to_have_text("done")
    assert bar.get_attribute("aria-valuenow") == "100"
    moving = sorted(v for v in seen if 0 < v < 100)
    assert moving, f"the progress bar never showed a value between 0 and 100: {sorted(seen)}"
    # Polling never failed along the way.
    expect(page.get_by_test_id("feed-mode")).to_have_text("live")
    # Round 0 is evaluated: the label-efficiency chart and the per-class table appear.
    expect(page.get_by_test_id("miou-chart")).to_be_visible()
    expect(page.get_by_test_id("per-class-table")).to_be_visible()
    expect(row.get_by_test_id("round-miou")).not_to_have_text("—")


# --- (1) points with the keyboard ----------------------------------------------------------------


def test_annotator_labels_points_with_the_keyboard(new_page, stack, admin, ppl_ready):
    page = new_page(ANNOTATOR)
    _open_project(page, ppl_ready)
    task_id = _task_id(page)
    task = stack.client(*ANNOTATOR).get(f"/tasks/{task_id}").json()
    points = task["points"]
    done, total = _counter(page)
    assert (done, total) == (0, len(points)) and total > 2

    # Digits and letters (road = R, sky = K …), one per point; the last one "unsure" (U).
    classes = {c["name"]: c["id"] for c in ppl_ready["classes"]}
    keys = ["1", "2", "r", "k", "6", "3", "4", "5", "1", "2"]
    key_class = {
        "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5,
        "r": classes["road"], "k": classes["sky"],
    }  # fmt: skip
    expected = []
    for i in range(total):
        key = "u" if i == total - 1 else keys[i % len(keys)]
        expect(page.get_by_test_id("point-position")).to_have_text(f"Point {i + 1} of {total}")
        page.keyboard.press(key)
        expected.append(255 if key == "u" else key_class[key])
    assert _counter(page) == (total, total)

    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notice")).to_contain_text(f"task {task_id}")

    assert stack.client(*ANNOTATOR).get(f"/tasks/{task_id}").json()["status"] == "done"
    [annotation] = _annotations(stack, task_id)
    by_point = {(label["x"], label["y"]): label["class_id"] for label in annotation.labels}
    assert [by_point[(p["x"], p["y"])] for p in points] == expected
    assert annotation.labelled_pixels == total - 1  # unsure points are sent as 255, not counted
    assert annotation.seconds_spent > 0
    stats = _stats(admin, ppl_ready, ANNOTATOR[0])
    assert stats["submissions"] >= 1 and stats["labelled_pixels"] >= total - 1

    # Back to the previous task: a correction of the submitted labels (same version check).
    page.get_by_test_id("previous-task").click()
    expect(page.get_by_test_id("task-info")).to_contain_text(f"Correcting Task {task_id}")
    assert _counter(page) == (total, total), "the submitted labels come back for correction"
    page.get_by_test_id("point-strip").locator("button").first.click()
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notice")).to_contain_text("Correction saved")
    corrected = _annotations(stack, task_id)[-1]
    first = points[0]
    assert {(lb["x"], lb["y"]): lb["class_id"] for lb in corrected.labels}[
        (first["x"], first["y"])
    ] == 2


def test_the_next_point_task_is_drawn_after_submit_skip_and_previous(new_page, stack, ppl_ready):
    """Two tasks labelled in a row with the keyboard, then one skipped, then Previous: each
    time the next task's image and markers are on the canvas, without a reload."""
    page = new_page(ANNOTATOR)
    client = stack.client(*ANNOTATOR)
    _open_project(page, ppl_ready)
    _assert_task_drawn(page, client, "first task")
    seen = []
    for step in ("first submit", "second submit"):
        seen.append(_task_id(page))
        _label_all_points(page, "1")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("notice")).to_contain_text(f"task {seen[-1]}")
        expect(page.get_by_test_id("annotate")).not_to_have_attribute("data-task-id", str(seen[-1]))
        _assert_task_drawn(page, client, f"after the {step}")
    skipped = _task_id(page)
    page.get_by_test_id("skip-task").click()
    expect(page.get_by_test_id("annotate")).not_to_have_attribute("data-task-id", str(skipped))
    _assert_task_drawn(page, client, "after a skip")
    page.get_by_test_id("previous-task").click()
    expect(page.get_by_test_id("task-info")).to_contain_text(f"Correcting Task {seen[-1]}")
    _assert_task_drawn(page, client, "after Previous")


# --- (3) a reload (and an expired session) keeps the draft ----------------------------------------


def test_reload_and_session_expiry_keep_the_draft(new_page, stack, ppl_ready):
    page = new_page(ANNOTATOR)
    _open_project(page, ppl_ready)
    task_id = _task_id(page)
    for key in "123":
        page.keyboard.press(key)
    expect(page.get_by_test_id("draft-status")).to_have_attribute("data-state", "saved")
    draft = stack.client(*ANNOTATOR).get(f"/tasks/{task_id}").json()["draft"]
    assert [label["class_id"] for label in draft["labels"]] == [0, 1, 2]

    page.reload()
    expect(page.get_by_test_id("annotate-canvas")).to_be_visible()
    assert _task_id(page) == task_id, "the reload resumed the same task"
    assert _counter(page)[0] == 3, "labels restored from the server draft"
    expect(page.get_by_test_id("point-position")).to_contain_text("Point 4 of")
    expect(page.get_by_test_id("notice")).to_contain_text("draft was restored")

    # The session expires: the next autosave gets a 401, the app asks to sign in again, and
    # the same save goes through afterwards — nothing typed in between is lost.
    expired = {"left": 1}

    def expire_once(route):
        if expired["left"] > 0 and route.request.method == "PUT":
            expired["left"] -= 1
            route.fulfill(status=401, json={"detail": "Could not validate credentials"})
        else:
            route.continue_()

    page.route("**/api/v1/tasks/*/draft", expire_once)
    page.keyboard.press("4")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Session expired")
    dialog.get_by_test_id("login-password").fill(ANNOTATOR[1])
    dialog.get_by_test_id("login-submit").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("draft-status")).to_have_attribute("data-state", "saved")
    draft = stack.client(*ANNOTATOR).get(f"/tasks/{task_id}").json()["draft"]
    assert [label["class_id"] for label in draft["labels"]] == [0, 1, 2, 3]
    assert draft["seconds_spent"] > 0
    assert _counter(page)[0] == 4


# --- (4) two annotators never get the same task ---------------------------------------------------


def test_two_annotators_never_get_the_same_task(new_page, stack, admin, ppl_ready):
    email = f"third-{uuid.uuid4().hex[:6]}@example.com"
    third = admin.post("/users", json={"email": email, "password": "annotator-password"}).json()
    _members(admin, ppl_ready, [third["id"]])
    pages = [new_page(ANNOTATOR_2), new_page((email, "annotator-password"))]
    for page in pages:
        page.goto(f"/annotate/projects/{ppl_ready['id']}")
        expect(page.get_by_test_id("start")).to_be_visible()
    # Both ask for work at the same moment.
    for page in pages:
        page.get_by_test_id("start").dispatch_event("click")
    for page in pages:
        expect(page.get_by_test_id("annotate-canvas")).to_be_visible()
    first = [_task_id(page) for page in pages]
    assert first[0] != first[1]

    # Each skips; the next tasks are distinct again, and never the one just skipped.
    for page in pages:
        page.once("dialog", lambda d: d.accept())
        page.get_by_test_id("skip-task").dispatch_event("click")
    for page, before in zip(pages, first, strict=True):
        expect(page.get_by_test_id("annotate")).not_to_have_attribute("data-task-id", str(before))
        expect(page.get_by_test_id("annotate-canvas")).to_be_visible()
    second = [_task_id(page) for page in pages]
    assert second[0] != second[1]
    assert second[0] != first[0] and second[1] != first[1]

    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            leased = session.execute(
                select(AnnotationTask.id, AnnotationTask.leased_by).where(
                    AnnotationTask.project_id == ppl_ready["id"], AnnotationTask.status == "leased"
                )
            ).all()
    finally:
        engine.dispose()
    holders = dict(leased)
    assert holders[second[0]] != holders[second[1]]
    assert len(set(holders.values())) == len(holders), "one leased task per annotator"


# --- (2) regions: fill a segment, paint with the brush, submit ------------------------------------


def test_annotator_fills_and_paints_a_region_task(new_page, stack, spl_ready):
    page = new_page(ANNOTATOR)
    _open_project(page, spl_ready)
    expect(page.get_by_test_id("annotate")).to_have_attribute("data-mode", "region")
    task_id = _task_id(page)
    client = stack.client(*ANNOTATOR)
    mask = np.array(Image.open(io.BytesIO(client.get(f"/tasks/{task_id}/mask.png").content))) > 0
    segments, count = ndimage.label(mask)  # 4-connected, like the selector and the UI
    assert count >= 1
    expect(page.get_by_test_id("unlabelled")).to_have_attribute("data-count", str(int(mask.sum())))

    # Segment 1: one click with the fill tool, class 2 (key "2" → class id 1).
    page.keyboard.press("2")
    page.keyboard.press("f")
    ys, xs = np.nonzero(segments == 1)
    page.mouse.click(*canvas_point(page, xs[0], ys[0]))
    left = int(mask.sum()) - int((segments == 1).sum())
    expect(page.get_by_test_id("unlabelled")).to_have_attribute("data-count", str(left))

    # A 1-px brush stroke with class 3 (key "3" → id 2) along one row of segment 1.
    rows = {y: sorted(xs[ys == y]) for y in set(ys.tolist())}
    row_y, row_xs = max(rows.items(), key=lambda item: len(item[1]))
    run = [row_xs[0]]
    for x in row_xs[1:]:
        if x != run[-1] + 1:
            break
        run.append(x)
    page.keyboard.press("b")
    page.keyboard.press("3")
    page.get_by_test_id("brush-size").fill("1")
    page.mouse.move(*canvas_point(page, run[0], row_y))
    page.mouse.down()
    for x in run[1:]:
        page.mouse.move(*canvas_point(page, x, row_y), steps=2)
    page.mouse.up()

    # Undo and redo the stroke with the keyboard.
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+Shift+z")

    # Every other segment: fill with class 5 (key "5" → id 4).
    page.keyboard.press("5")
    page.keyboard.press("f")
    for k in range(2, count + 1):
        ys_k, xs_k = np.nonzero(segments == k)
        page.mouse.click(*canvas_point(page, xs_k[0], ys_k[0]))
    expect(page.get_by_test_id("unlabelled")).to_have_attribute("data-count", "0")

    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notice")).to_contain_text(f"task {task_id}")
    assert client.get(f"/tasks/{task_id}").json()["status"] == "done"

    [annotation] = _annotations(stack, task_id)
    assert annotation.labelled_pixels == int(mask.sum())
    stored = Path(stack.env["SEGLOOP_DATA_DIR"]) / "storage" / annotation.label_key
    labels = np.array(Image.open(stored))
    assert labels.shape == mask.shape
    assert (labels[~mask] == 255).all(), "only requested pixels are labelled"
    stroke = np.zeros_like(mask)
    stroke[row_y, run] = True
    assert (labels[stroke] == 2).all(), "the brush stroke"
    assert (labels[(segments == 1) & ~stroke] == 1).all(), "the filled segment"
    assert (labels[segments > 1] == 4).all(), "the other segments"


def test_the_next_region_task_is_drawn_after_submit(new_page, stack, spl_ready):
    page = new_page(ANNOTATOR_2)
    client = stack.client(*ANNOTATOR_2)
    _open_project(page, spl_ready)
    expect(page.get_by_test_id("annotate")).to_have_attribute("data-mode", "region")
    task = _assert_task_drawn(page, client, "first region task")
    mask = np.array(Image.open(io.BytesIO(client.get(f"/tasks/{task['id']}/mask.png").content)))
    segments, count = ndimage.label(mask > 0)
    page.keyboard.press("1")
    page.keyboard.press("f")
    for k in range(1, count + 1):
        ys, xs = np.nonzero(segments == k)
        page.mouse.click(*canvas_point(page, xs[0], ys[0]))
    expect(page.get_by_test_id("unlabelled")).to_have_attribute("data-count", "0")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notice")).to_contain_text(f"task {task['id']}")
    expect(page.get_by_test_id("annotate")).not_to_have_attribute("data-task-id", str(task["id"]))
    _assert_task_drawn(page, client, "the next region task")
