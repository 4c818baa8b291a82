"""How good the model is without target labels, in real Chromium against the real API: the
rounds' audit estimates with their band, the model served and pinning it, the label ledger with
its budget, the audit and budget settings, and a launch refused once the budget is spent.

The rounds are written into the database as the worker would leave them (no training here);
two annotators then submit through the API so the ledger has rows."""

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from backend.models import AnnotationTask, Dataset, Image, Round
from tests.browser.conftest import VIEWPORT, _members
from tests.conftest import ADMIN, ANNOTATOR, ANNOTATOR_2, create_project

pytestmark = pytest.mark.browser

POINTS = [{"x": 1, "y": 2}, {"x": 5, "y": 6}]


def _audit(miou: float | None, low: float, high: float, points: int = 140, reason=None) -> dict:
    return {
        "points": points,
        "images": 8,
        "labels_as_of_round": 2,
        "level": 0.9,
        "pixel_accuracy": None if miou is None else 0.8,
        "pixel_accuracy_interval": None,
        "miou": miou,
        "miou_interval": None if miou is None else {"low": low, "high": high},
        "per_class_iou": {},
        "reason": reason,
    }


def _metrics(miou: float, pixels: int) -> dict:
    return {
        "miou": miou,
        "per_class_iou": {},
        "pixel_accuracy": None,
        "labelled_pixels": pixels,
        "labelled_fraction": pixels / 30720,
    }


def _rounds_and_tasks(stack, project_id: int) -> tuple[dict[int, int], list[int]]:
    """Rounds 0-2 as the worker leaves them (round 2 the best estimate but not measurably better
    than round 1), and round 1's two points tasks: one to train on, one audit."""
    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            measured = [
                (
                    _metrics(0.30, 0),
                    _audit(None, 0, 0, points=6, reason="only 6 audit points: too few"),
                ),
                (_metrics(0.50, 2000), _audit(0.55, 0.50, 0.60)),
                (_metrics(0.52, 4000), _audit(0.58, 0.53, 0.63)),
            ]
            rounds = [
                Round(
                    project_id=project_id,
                    number=number,
                    status="done",
                    stage="done",
                    progress=1.0,
                    metrics=metrics,
                    audit=audit,
                    checkpoint_key=f"test/r{number}.pt",
                )
                for number, (metrics, audit) in enumerate(measured)
            ]
            session.add_all(rounds)
            session.flush()
            images = session.scalars(
                select(Image)
                .join(Dataset)
                .where(Dataset.project_id == project_id, Dataset.kind == "target_pool")
                .order_by(Image.id)
                .limit(2)
            ).all()
            tasks = [
                AnnotationTask(
                    project_id=project_id,
                    round_id=rounds[1].id,
                    image_id=image.id,
                    kind="points",
                    purpose=purpose,
                    points=POINTS,
                    requested_pixels=len(POINTS),
                    priority=priority,
                )
                for image, purpose, priority in zip(
                    images, ("train", "audit"), (2.0, 1.0), strict=True
                )
            ]
            session.add_all(tasks)
            session.commit()
            return {r.number: r.id for r in rounds}, [t.id for t in tasks]
    finally:
        engine.dispose()


def _submit(client, project_id: int, task_id: int, seconds: float) -> None:
    assert client.post(f"/projects/{project_id}/tasks/next").json()["id"] == task_id
    body = {
        "labels": [{**p, "class_id": i % 2} for i, p in enumerate(POINTS)],
        "client_key": uuid.uuid4().hex,
        "seconds_spent": seconds,
    }
    response = client.post(f"/tasks/{task_id}/submit", json=body)
    assert response.status_code == 200, response.text


def _shot(page: Page, name: str) -> None:
    """With SEGLOOP_UI_SCREENSHOTS=/tmp/ui17, saves /tmp/ui17-<name>.png to look at."""
    prefix = os.environ.get("SEGLOOP_UI_SCREENSHOTS")
    if prefix:
        size = page.viewport_size
        page.set_viewport_size({"width": 1440, "height": 1400})
        page.screenshot(path=f"{prefix}-{name}.png")
        if size:
            page.set_viewport_size(size)


def _cell(row, col: str) -> str:
    return row.locator(f'[data-col="{col}"]').inner_text()


def test_admin_sees_the_audit_estimate_the_ledger_and_the_budget(
    new_page, stack, admin, demo_data, annotator_ids
):
    project = create_project(admin, demo_data)
    pid = project["id"]
    _members(admin, project, annotator_ids)
    round_ids, (train_task, audit_task) = _rounds_and_tasks(stack, pid)
    _submit(stack.client(*ANNOTATOR), pid, train_task, 90)
    _submit(stack.client(*ANNOTATOR_2), pid, audit_task, 30)

    # Rounds: each round's estimate (or why there is none) beside its val mIoU.
    page = new_page(ADMIN)
    page.goto(f"/admin/projects/{pid}")
    rows = page.get_by_test_id("round-row")
    expect(rows).to_have_count(3)
    r2 = page.locator(f'[data-testid="round-row"][data-round-id="{round_ids[2]}"]')
    r1 = page.locator(f'[data-testid="round-row"][data-round-id="{round_ids[1]}"]')
    r0 = page.locator(f'[data-testid="round-row"][data-round-id="{round_ids[0]}"]')
    expect(r2.get_by_test_id("round-estimate")).to_contain_text(
        "mIoU 58.0 % [53.0–63.0] from 140 audit points"
    )
    expect(r2.get_by_test_id("round-miou")).to_have_text("52.0")
    expect(r1.get_by_test_id("round-estimate")).to_contain_text("mIoU 55.0 % [50.0–60.0]")
    expect(r0.get_by_test_id("round-estimate")).to_contain_text("only 6 audit points: too few")

    # The model served: the latest, as no earlier round is measurably better; marked in its row.
    expect(page.get_by_test_id("current-model-text")).to_have_text(
        "Round 2 — the latest round; no earlier round is measurably better on the audit points"
    )
    expect(r2.get_by_test_id("serving-badge")).to_be_visible()
    for width in (1440, 1280, 1024):  # desktop, laptop, small laptop
        page.set_viewport_size({"width": width, "height": 800})
        _assert_every_column_reachable(page.get_by_test_id("rounds-table"))
    page.set_viewport_size(VIEWPORT)

    # The chart: a band of nonzero height around the estimates, and the hint.
    band = page.get_by_test_id("audit-band")
    expect(band).to_be_visible()
    box = band.bounding_box()
    assert box is not None and box["height"] > 10 and box["width"] > 100, box
    fill = band.evaluate("el => getComputedStyle(el).fill")
    assert fill not in ("none", "rgba(0, 0, 0, 0)"), fill
    markers = page.get_by_test_id("audit-marker")
    expect(markers).to_have_count(2)
    # The estimates sit inside the band: round 2's marker lies within its vertical extent.
    dot = markers.nth(1).locator("circle.marker").bounding_box()
    assert dot is not None and box["y"] <= dot["y"] + dot["height"] / 2 <= box["y"] + box["height"]
    expect(page.get_by_test_id("audit-verdict")).to_have_attribute("data-helped", "false")
    expect(page.get_by_test_id("audit-verdict")).to_contain_text(
        "Round 2 did not measurably help: its change of +3.0 mIoU points on round 1"
    )
    _shot(page, "rounds")

    # Against annotator-hours: round 2 comes after round 1's two minutes of labelling.
    def marker_x(i: int) -> float:
        return float(markers.nth(i).locator("circle.marker").get_attribute("cx") or "nan")

    page.get_by_test_id("audit-axis-hours").click()
    expect(page.get_by_test_id("audit-chart")).to_have_attribute("data-axis", "hours")
    assert marker_x(1) > marker_x(0)

    # Pin round 1, then let the estimates choose again.
    r1.get_by_test_id("pin-round").click()
    expect(page.get_by_test_id("current-model-text")).to_have_text("Round 1 — pinned by an admin")
    expect(r1.get_by_test_id("serving-badge")).to_be_visible()
    assert admin.get(f"/projects/{pid}/current-model").json()["round_id"] == round_ids[1]
    r1.get_by_test_id("unpin-round").click()
    expect(page.get_by_test_id("current-model-text")).to_have_text(
        "Round 2 — the latest round; no earlier round is measurably better on the audit points"
    )

    # Settings: audit share in percent, a budget; the server's errors on the fields.
    page.get_by_test_id("tab-settings").click()
    page.get_by_test_id("setting-audit_share_percent").fill("60")
    page.get_by_test_id("save-settings").click()
    expect(page.locator(".field-error")).to_have_text("Input should be less than or equal to 50 %")
    page.get_by_test_id("setting-audit_share_percent").fill("10")
    page.get_by_test_id("setting-budget_unit").select_option("points")
    page.get_by_test_id("save-settings").click()
    expect(page.locator(".field-error")).to_have_text("budget_amount is required with budget_unit")
    page.get_by_test_id("setting-budget_amount").fill("10")
    page.get_by_test_id("save-settings").click()
    expect(page.get_by_test_id("settings-saved")).to_contain_text("Saved 3 settings")
    saved = admin.get(f"/projects/{pid}").json()
    assert (saved["audit_share"], saved["budget_unit"], saved["budget_amount"]) == (
        pytest.approx(0.1),
        "points",
        10.0,
    )

    # Ledger: one row per annotator of round 1, audit effort apart, totals and the budget.
    page.get_by_test_id("tab-ledger").click()
    expect(page.get_by_test_id("ledger-row")).to_have_count(2)
    a = page.locator(f'[data-testid="ledger-row"][data-email="{ANNOTATOR[0]}"]')
    b = page.locator(f'[data-testid="ledger-row"][data-email="{ANNOTATOR_2[0]}"]')
    expect(a.locator("td").first).to_have_text("1")
    assert [_cell(a, c) for c in ("submissions", "points", "seconds", "audit_points")] == [
        "1",
        "2",
        "1 min 30 s",
        "0",
    ]
    assert [_cell(b, c) for c in ("submissions", "points", "audit_points", "audit_seconds")] == [
        "0",
        "0",
        "2",
        "30 s",
    ]
    totals = page.get_by_test_id("ledger-totals")
    assert [_cell(totals, c) for c in ("points", "audit_points", "seconds")] == [
        "2",
        "2",
        "1 min 30 s",
    ]
    expect(page.get_by_test_id("budget-text")).to_contain_text(
        "Spent 4 points of 10 points · 6 points left"
    )
    expect(page.get_by_test_id("budget-bar")).to_have_attribute("aria-valuenow", "40")
    bar = page.get_by_test_id("budget-bar")
    fill_box, bar_box = bar.locator(".progress-fill").bounding_box(), bar.bounding_box()
    assert fill_box and bar_box
    assert fill_box["width"] == pytest.approx(bar_box["width"] * 0.4, abs=2)
    with page.expect_download() as download:
        page.get_by_test_id("ledger-csv").click()
    assert download.value.suggested_filename == f"project{pid}-ledger.csv"
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert ANNOTATOR[0] in csv_text and ANNOTATOR_2[0] in csv_text
    _shot(page, "ledger")

    # A spent budget: launching answers the server's 409, shown as it says it.
    assert admin.patch(f"/projects/{pid}", json={"budget_amount": 4}).status_code == 200
    page.get_by_test_id("tab-rounds").click()
    page.get_by_test_id("launch-round").click()
    expect(page.get_by_test_id("launch-error")).to_contain_text(
        "the labelling budget is spent (4 of 4 points): raise budget_amount, or clear budget_unit,"
        " to launch another round"
    )
    expect(page.get_by_test_id("round-row")).to_have_count(3)


def _assert_every_column_reachable(table) -> None:
    """The table lies inside its card, or in a box the user can scroll sideways: a card that
    clips it (overflow hidden) hides its last columns from a person with no way to see them."""
    layout = table.evaluate(
        """(table) => {
            const card = table.closest(".card");
            const inner = card.getBoundingClientRect(), box = table.getBoundingClientRect();
            let scrollable = false;
            for (let el = table.parentElement; el !== card.parentElement; el = el.parentElement) {
                const scrolls = ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
                if (scrolls && el.scrollWidth > el.clientWidth) scrollable = true;
            }
            return {fits: box.left >= inner.left - 1 && box.right <= inner.right + 1, scrollable};
        }"""
    )
    assert layout["fits"] or layout["scrollable"], layout
