"""Real Chromium (Debian's) driven by Playwright against the live stack of tests/conftest.py.

The built frontend must be in backend/static (`make frontend`). Every page gets its own
browser context (its own storage and session), so two users never share anything."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import ADMIN, ANNOTATOR, ANNOTATOR_2

CHROMIUM = os.environ.get("SEGLOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}

# The annotation view's helpers assert too: pytest explains their failures as it does the tests'.
pytest.register_assert_rewrite("tests.browser.annotation_view")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


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


def login(page: Page, email: str, password: str) -> None:
    """Sign in through the form; the app lands on its default screen."""
    page.goto("/")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("user-email").wait_for()


PageFactory = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser, stack) -> Iterator[PageFactory]:
    """`new_page(user=(email, password))`: a fresh context signed in as that user.

    JavaScript errors on any page fail the test."""
    contexts = []
    errors: list[str] = []

    def make(user: tuple[str, str] | None = None, viewport: dict | None = None) -> Page:
        context = browser.new_context(base_url=stack.base_url, viewport=viewport or VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: errors.append(f"{user and user[0]}: {exc}"))
        if user is not None:
            login(page, *user)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


def canvas_point(page: Page, x: float, y: float) -> tuple[float, float]:
    """Screen position of the centre of image pixel (x, y) on the annotation canvas."""
    canvas = page.get_by_test_id("annotate-canvas")
    box = canvas.bounding_box()
    assert box is not None
    scale = float(canvas.get_attribute("data-scale") or "nan")
    ox = float(canvas.get_attribute("data-offset-x") or "nan")
    oy = float(canvas.get_attribute("data-offset-y") or "nan")
    return box["x"] + ox + (x + 0.5) * scale, box["y"] + oy + (y + 0.5) * scale


# Reads both stacked canvases of the annotation view: the base layer (image and mask) and the
# ui layer (markers).
_CANVAS_STATE_JS = (Path(__file__).parent / "canvas_state.js").read_text()


def canvas_state(page: Page, points: list[tuple[int, int]], width: int, height: int) -> dict:
    """What the annotation canvases show: their sizes in device pixels against the viewport's
    size, the share of the image rectangle drawn (not background), and per point the number
    of marker pixels around it on the ui layer (None when the point is out of view)."""
    return page.evaluate(_CANVAS_STATE_JS, [points, width, height])
