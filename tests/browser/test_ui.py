"""The annotation UI and the admin dashboard in real Chromium, against the real API and a real
Celery worker (PostgreSQL + Redis). Two projects share the module: a point (PPL) project whose
round 0 starts as soon as the module does, and a region (SPL) project whose round 0 the admin
launches from the dashboard; the annotation tests then label the tasks those rounds published."""

import io
import re
import time
import uuid
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from scipy import ndimage
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from backend.models import Annotation, AnnotationTask
from tests.browser.conftest import canvas_point, canvas_state, login
from tests.conftest import ADMIN, ANNOTATOR, ANNOTATOR_2, create_project

pytestmark = pytest.mark.browser

ROUND_TIMEOUT = 240


@pytest.fixture(scope="module")
def admin(stack):
    return stack.client(*ADMIN)


@pytest.fixture(scope="module")
def annotator_ids(stack) -> list[int]:
    return [stack.client(*who).get("/users/me").json()["id"] for who in (ANNOTATOR, ANNOTATOR_2)]


def _members(admin, project: dict, user_ids: list[int]) -> None:
    for user_id in user_ids:
        assert admin.post(
            f"/projects/{project['id']}/members", json={"user_id": user_id}
        ).is_success


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


def _open_project(page: Page, project: dict) -> None:
    page.goto(f"/annotate/projects/{project['id']}")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("annotate-canvas")).to_be_visible()


def _task_id(page: Page) -> int:
    value = page.get_by_test_id("annotate").get_attribute("data-task-id")
    assert value, "no task on screen"
    return int(value)


def _counter(page: Page) -> tuple[int, int]:
    text = page.get_by_test_id("point-counter").inner_text()
    match = re.match(r"([\d,]+) / ([\d,]+)", text)
    assert match, text
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def _annotations(stack, task_id: int) -> list[Annotation]:
    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(Annotation).where(Annotation.task_id == task_id).order_by(Annotation.id)
                )
            )
    finally:
        engine.dispose()


def _stats(admin, project: dict, email: str) -> dict:
    for row in admin.get(f"/projects/{project['id']}/annotator-stats").json():
        if row["email"] == email:
            return row
    return {"submissions": 0, "labelled_pixels": 0, "seconds": 0.0}


# --- landing: what a person sees first when nothing was ever published ------------------------


def test_with_no_round_yet_admins_land_on_the_dashboard_and_annotators_are_told_why(
    new_page, stack, admin, demo_data, annotator_ids
):
    """First in the module on purpose: its project is then the only one, and has no round."""
    project = create_project(admin, demo_data)
    _members(admin, project, annotator_ids)
    page = new_page(ADMIN)
    expect(page).to_have_url(re.compile(f"/admin/projects/{project['id']}$"))
    expect(page.get_by_test_id("project-name")).to_have_text(project["name"])

    page = new_page(ANNOTATOR)
    expect(page).to_have_url(re.compile(f"/annotate/projects/{project['id']}$"))
    expect(page.get_by_test_id("no-tasks")).to_contain_text("No tasks yet")
    expect(page.get_by_test_id("no-tasks")).to_contain_text("an admin launches a round")
    expect(page.get_by_test_id("start")).to_have_count(0)


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


def _assert_task_drawn(page: Page, client, what: str) -> dict:
    """The task on screen is drawn: canvases at the element's size, the image over the fitted
    rectangle and, for point tasks, a marker at every point in view (the current one at
    least). Polls for a few seconds: frames are drawn on animation frames after the image
    loads. Returns the task."""
    expect(page.get_by_test_id("annotate")).to_have_attribute("data-task-id", re.compile(r"\d"))
    task = client.get(f"/tasks/{_task_id(page)}").json()
    points = [(p["x"], p["y"]) for p in task["points"]]
    state: dict = {}
    for _ in range(50):
        state = canvas_state(page, points, task["width"], task["height"])
        w, h = state["css"]
        drawn = state["size"] == [w, h, w, h] and state["painted"] > 0.9
        in_view = [m for m in state["markers"] if m is not None]
        if drawn and all(in_view) and (not points or state["markers"][0]):
            return task
        page.wait_for_timeout(100)
    raise AssertionError(f"{what}: task {task['id']} is not drawn: {state}")


def _label_all_points(page: Page, key: str) -> None:
    done, total = _counter(page)
    for _ in range(total - done):
        page.keyboard.press(key)
    assert _counter(page) == (total, total)


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


def test_login_screen_and_wrong_password(new_page, stack):
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_test_id("login-email").fill(ANNOTATOR[0])
    page.get_by_test_id("login-password").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Incorrect email or password.")
    login(page, *ANNOTATOR)
    expect(page.get_by_test_id("user-email")).to_have_text(ANNOTATOR[0])


# --- admin: settings, members, datasets -----------------------------------------------------------


def test_admin_edits_settings_members_and_uploads_a_dataset(
    new_page, stack, admin, demo_data, tmp_path
):
    project = create_project(admin, demo_data, selection_method="spl")
    page = new_page(ADMIN)

    # Settings: PATCH only what changed.
    page.goto(f"/admin/projects/{project['id']}/settings")
    page.get_by_test_id("setting-pixel_budget_percent").fill("3.5")
    page.get_by_test_id("setting-images_per_round").fill("7")
    page.get_by_test_id("setting-iterations").fill("80")
    page.get_by_test_id("save-settings").click()
    expect(page.get_by_test_id("settings-saved")).to_contain_text("Saved 3 settings")
    saved = admin.get(f"/projects/{project['id']}").json()
    assert saved["pixel_budget"] == pytest.approx(0.035)
    assert saved["images_per_round"] == 7
    assert saved["model_settings"]["iterations"] == 80
    page.get_by_test_id("setting-points_per_image").fill("0")
    page.get_by_test_id("save-settings").click()
    expect(page.locator(".field-error")).to_contain_text("greater than or equal to 1")

    # Members: create a user and add them in one go.
    page.get_by_test_id("tab-members").click()
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    page.get_by_test_id("new-user-email").fill(email)
    page.get_by_test_id("new-user-password").fill("a-good-password")
    page.get_by_test_id("new-user-submit").click()
    expect(page.get_by_test_id("member-list")).to_contain_text(email)
    members = admin.get(f"/projects/{project['id']}/members").json()
    assert email in [m["email"] for m in members]

    # Datasets: a zip that is not a dataset is refused with the server's reason …
    page.get_by_test_id("tab-datasets").click()
    bad = tmp_path / "not-a-dataset.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("readme.txt", "hello")
    page.get_by_test_id("dataset-kind").select_option("target_val")
    page.get_by_test_id("dataset-file").set_input_files(str(bad))
    page.get_by_test_id("dataset-submit").click()
    expect(page.get_by_test_id("dataset-error")).to_contain_text("Invalid dataset")

    # … a generic-layout zip is uploaded (with progress) and imported.
    good = tmp_path / "val-copy.zip"
    with zipfile.ZipFile(good, "w") as zf:
        for path in sorted((demo_data / "target/val").rglob("*.png")):
            zf.write(path, path.relative_to(demo_data / "target/val"))
    page.get_by_test_id("dataset-file").set_input_files(str(good))
    page.get_by_test_id("dataset-submit").click()
    expect(page.get_by_test_id("dataset-done")).to_contain_text("6 images")
    expect(page.get_by_test_id("dataset-row")).to_have_count(4)
    datasets = admin.get(f"/projects/{project['id']}/datasets").json()
    assert [d["image_count"] for d in datasets if d["name"] == "val-copy.zip"] == [6]

    # The image browser shows the ground truth over an image.
    page.get_by_test_id("browse-dataset").last.click()
    expect(page.get_by_test_id("thumb")).to_have_count(6)
    page.get_by_test_id("thumb").first.click()
    expect(page.get_by_test_id("label-overlay")).to_be_visible()
