"""The new-project and settings forms leave the limits to the API: what it refuses with a 422 is
shown next to the field it names, and what it accepts is no longer refused by the page."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ADMIN, create_project

pytestmark = pytest.mark.browser


def _field(page: Page, label: str):
    return page.locator("label.field", has_text=label)


def test_project_and_settings_forms_show_the_servers_422(new_page, stack, demo_data):
    admin = stack.client(*ADMIN)
    page = new_page(ADMIN)

    # New project: one class is allowed (the API takes 1-254); 0 points is the API's to refuse.
    name = f"forms-{uuid.uuid4().hex[:6]}"
    page.goto("/admin/new")
    page.get_by_test_id("project-name-input").fill(name)
    page.get_by_test_id("class-name-0").fill("road")
    page.get_by_role("button", name="Remove class 1").click()
    _field(page, "Points per image").locator("input").fill("0")
    page.get_by_test_id("create-project").click()
    expect(_field(page, "Points per image").locator(".field-error")).to_have_text(
        "Input should be greater than or equal to 1"
    )
    expect(page.get_by_test_id("project-form-error")).to_contain_text("marked fields")
    _field(page, "Points per image").locator("input").fill("5")
    page.get_by_test_id("create-project").click()
    expect(page.get_by_test_id("project-form")).to_have_count(0)
    created = [p for p in admin.get("/projects").json() if p["name"] == name]
    assert [(len(p["classes"]), p["points_per_image"]) for p in created] == [(1, 5)]

    # Settings: the fraction's limit is said in the form's percent; no cap on the schedule.
    project = create_project(admin, demo_data)
    page.goto(f"/admin/projects/{project['id']}/settings")
    page.get_by_test_id("setting-auto_advance_percent").fill("150")
    page.get_by_test_id("setting-schedule_minutes").fill("20000000")
    page.get_by_test_id("save-settings").click()
    auto = page.get_by_test_id("setting-auto_advance_percent").locator("xpath=..")
    expect(auto.locator(".field-error")).to_have_text("Input should be less than or equal to 100 %")
    expect(page.get_by_test_id("settings-error")).to_contain_text("marked fields")
    page.get_by_test_id("setting-auto_advance_percent").fill("")
    page.get_by_test_id("save-settings").click()
    expect(page.get_by_test_id("settings-saved")).to_contain_text("Saved 1 setting")
    assert admin.get(f"/projects/{project['id']}").json()["schedule_minutes"] == 20_000_000
