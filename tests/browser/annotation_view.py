"""The annotation view as the browser tests read it: a project's queue opened, the task and the
point counter on screen, whether the task is drawn, and what was stored and counted."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from backend.models import Annotation
from tests.browser.conftest import canvas_state


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
        # No css size yet: the view has not laid the image out (a loaded machine is slow).
        w, h = state["css"] or (None, None)
        drawn = w is not None and state["size"] == [w, h, w, h] and state["painted"] > 0.9
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
