"""The label ledger and the budget over the API: what two annotators submitted and skipped,
summed per round and annotator, as JSON and as CSV; a spent budget stops launching."""

import base64
import csv
import io
import uuid

import numpy as np
from PIL import Image as PILImage

from backend.db import open_session
from backend.models import AnnotationTask
from tests.api.conftest import publish_tasks

POINTS = [{"x": 1, "y": 2}, {"x": 5, "y": 6}]


def _submit(client, task_id: int, seconds: float, labels=(), region: np.ndarray | None = None):
    body: dict = {"labels": list(labels), "client_key": uuid.uuid4().hex, "seconds_spent": seconds}
    if region is not None:
        buffer = io.BytesIO()
        PILImage.fromarray(region).save(buffer, format="PNG")
        body["region_png"] = base64.b64encode(buffer.getvalue()).decode()
    response = client.post(f"/tasks/{task_id}/submit", json=body)
    assert response.status_code == 200, response.text


def _next(client, project_id: int) -> int:
    return client.post(f"/projects/{project_id}/tasks/next").json()["id"]


def _label(x: int, y: int, class_id: int) -> dict:
    return {"x": x, "y": y, "class_id": class_id}


def _work(api, project_id: int) -> None:
    """Annotator A: two points (one of them unsure) and a region of two segments; annotator
    B: an audit task's two points, then a skip after 7 seconds."""
    ids = publish_tasks(project_id, ["points", "points", "region", "points"], POINTS)
    with open_session() as session:
        session.get_one(AnnotationTask, ids[1]).purpose = "audit"
        session.commit()
    a, b = api.annotator, api.annotator2
    assert _next(a, project_id) == ids[0]
    _submit(a, ids[0], 10, [_label(1, 2, 3), _label(5, 6, 255)])
    assert _next(b, project_id) == ids[1]
    _submit(b, ids[1], 4, [_label(1, 2, 0), _label(5, 6, 4)])
    assert _next(a, project_id) == ids[2]
    region = np.full((48, 64), 255, dtype=np.uint8)
    region[:4, :2], region[:4, 2:4] = 1, 2
    region[10:, 10:] = 3  # outside the 4x4 corner the task asks for: dropped, never counted
    _submit(a, ids[2], 20, region=region)
    assert _next(b, project_id) == ids[3]
    assert b.post(f"/tasks/{ids[3]}/skip", json={"seconds_spent": 7}).status_code == 204


COUNTS = ("submissions", "points", "painted_pixels", "segments", "skipped_tasks", "seconds")
AUDIT = ("audit_submissions", "audit_points", "audit_seconds")


def _counts(row: dict) -> tuple:
    return tuple(row[name] for name in (*COUNTS, *AUDIT))


def test_the_ledger_adds_up_to_what_was_submitted(api, project):
    _work(api, project["id"])
    url = f"/projects/{project['id']}/ledger"
    ledger = api.admin.get(url).json()
    rows = {row["email"]: row for row in ledger["rows"]}
    assert set(rows) == {"annotator@example.com", "annotator2@example.com"}
    assert {row["round_number"] for row in ledger["rows"]} == {0}
    a, b = rows["annotator@example.com"], rows["annotator2@example.com"]
    assert _counts(a) == (2, 1, 16, 2, 0, 30.0, 0, 0, 0.0)
    # A skip's seconds are work too: they count with the annotator's active seconds.
    assert _counts(b) == (0, 0, 0, 0, 1, 7.0, 1, 2, 4.0), "audit effort is counted apart"
    assert _counts(ledger["totals"]) == (2, 1, 16, 2, 1, 37.0, 1, 2, 4.0)
    assert ledger["budget"] == {
        "unit": None,
        "amount": None,
        "spent": None,
        "remaining": None,
        "exhausted": False,
    }

    # Annotators see only their own row, audit effort folded in: no task is shown as an audit.
    own = api.annotator2.get(url).json()
    assert [row["email"] for row in own["rows"]] == ["annotator2@example.com"]
    assert _counts(own["rows"][0]) == (1, 2, 0, 0, 1, 11.0, None, None, None)
    assert _counts(own["totals"]) == (1, 2, 0, 0, 1, 11.0, None, None, None)

    # The CSV holds the same rows.
    response = api.admin.get(url, params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.text)))
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in ledger["rows"]]
    assert lines == as_text
    own_csv = list(
        csv.DictReader(io.StringIO(api.annotator2.get(url, params={"format": "csv"}).text))
    )
    assert len(own_csv) == 1 and own_csv[0]["audit_points"] == ""


def test_a_spent_budget_refuses_new_rounds(api, project):
    _work(api, project["id"])
    url = f"/projects/{project['id']}"
    patched = api.admin.patch(url, json={"budget_unit": "points", "budget_amount": 3})
    assert patched.status_code == 200, patched.text
    budget = api.admin.get(f"{url}/ledger").json()["budget"]
    assert budget == {
        "unit": "points",
        "amount": 3.0,
        "spent": 3.0,
        "remaining": 0.0,
        "exhausted": True,
    }
    refused = api.admin.post(f"{url}/rounds")
    assert refused.status_code == 409 and "budget is spent" in refused.json()["detail"]

    api.admin.patch(url, json={"budget_unit": "pixels", "budget_amount": 100})
    budget = api.admin.get(f"{url}/ledger").json()["budget"]
    assert (budget["spent"], budget["remaining"], budget["exhausted"]) == (19.0, 81.0, False)
    api.admin.patch(url, json={"budget_unit": "hours", "budget_amount": 0.02})
    budget = api.admin.get(f"{url}/ledger").json()["budget"]
    assert budget["spent"] == 41 / 3600 and not budget["exhausted"], "skips' seconds count"
    cleared = api.admin.patch(url, json={"budget_unit": None}).json()
    assert cleared["budget_unit"] is None
