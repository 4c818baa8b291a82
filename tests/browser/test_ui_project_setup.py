"""What needs no round, in real Chromium against the real API (PostgreSQL + Redis): signing in,
where each role lands while nothing is published, and the admin's settings, members and
datasets pages."""

import re
import uuid
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _members, login
from tests.conftest import ADMIN, ANNOTATOR, create_project

pytestmark = pytest.mark.browser


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
