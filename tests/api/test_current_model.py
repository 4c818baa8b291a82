"""The model a project serves: the pinned round, else the latest estimated round unless an
earlier one is measurably better on the same audit labels, else the latest trained round; and
the audit settings rounds snapshot."""

import uuid

from backend.audit_schemas import Interval, RoundAudit
from backend.db import open_session
from backend.models import Project, Round
from backend.services.exports import trained_round
from backend.services.rounds import create_round
from tests.conftest import create_project


def _estimate(miou: float, as_of: int, versus_latest: tuple[float, float] | None = None) -> dict:
    return RoundAudit(
        points=40,
        images=20,
        labels_as_of_round=as_of,
        pixel_accuracy=miou + 0.2,
        pixel_accuracy_interval=Interval(low=miou, high=miou + 0.3),
        miou=miou,
        miou_interval=Interval(low=miou - 0.1, high=miou + 0.1),
        per_class_iou={"road": miou},
        versus_latest=Interval(low=versus_latest[0], high=versus_latest[1])
        if versus_latest
        else None,
    ).model_dump(mode="json")


def _rounds(project_id: int, trained: int) -> list[int]:
    """Rounds 0.. with a model, and one more without."""
    with open_session() as session:
        rounds = [
            Round(
                project_id=project_id,
                number=number,
                status="done",
                stage="done",
                checkpoint_key=f"models/{project_id}/{number}.pt" if number < trained else None,
                metrics={"miou": 0.1 * number},
            )
            for number in range(trained + 1)
        ]
        session.add_all(rounds)
        session.commit()
        return [r.id for r in rounds]


def _set_audit(round_id: int, audit: dict | None) -> None:
    with open_session() as session:
        session.get_one(Round, round_id).audit = audit
        session.commit()


def _served(project_id: int) -> int:
    """The round exports and /predict use when none is named."""
    with open_session() as session:
        return trained_round(session, project_id, None).id


def test_the_current_model_is_pinned_or_measurably_better_or_latest(api, project):
    url = f"/projects/{project['id']}"
    nothing = api.annotator.get(f"{url}/current-model").json()
    assert (nothing["round_id"], nothing["reason"]) == (None, "no trained model yet")

    ids = _rounds(project["id"], trained=3)
    listed = api.annotator.get(f"{url}/rounds").json()
    assert [r["has_model"] for r in listed] == [True, True, True, False], "only these can be pinned"
    latest = api.annotator.get(f"{url}/current-model").json()
    assert (latest["round_id"], latest["reason"]) == (ids[2], "latest (no audit estimate yet)")
    assert _served(project["id"]) == ids[2]

    # Round 1's estimate is higher than round 2's, but not measurably (its paired interval
    # against round 2 holds 0): the latest is served. Round 0 was measurably better on an
    # older, smaller audit set: not comparable, not chosen.
    estimates = [_estimate(0.9, 1, (0.1, 0.3)), _estimate(0.6, 2, (-0.02, 0.2)), _estimate(0.5, 2)]
    for round_id, estimate in zip(ids, estimates, strict=False):
        _set_audit(round_id, estimate)
    latest_audited = "latest (no earlier round measurably better)"
    served = api.annotator.get(f"{url}/current-model").json()
    assert (served["round_id"], served["reason"]) == (ids[2], latest_audited)
    assert _served(project["id"]) == ids[2]

    _set_audit(ids[1], _estimate(0.6, 2, (0.01, 0.2)))
    better = "measurably better than the latest on audit points"
    best = api.annotator.get(f"{url}/current-model").json()
    assert (best["round_id"], best["number"], best["reason"]) == (ids[1], 1, better)
    assert best["estimate"]["miou"] == 0.6 and best["val_miou"] == 0.1
    assert best["estimate"]["versus_latest"] == {"low": 0.01, "high": 0.2}
    assert _served(project["id"]) == ids[1]

    pinned = api.admin.put(f"{url}/pinned-round", json={"round_id": ids[2]})
    assert pinned.status_code == 200, pinned.text
    assert (pinned.json()["round_id"], pinned.json()["reason"]) == (ids[2], "pinned")
    assert api.admin.get(url).json()["pinned_round_id"] == ids[2]
    assert _served(project["id"]) == ids[2]

    no_model = api.admin.put(f"{url}/pinned-round", json={"round_id": ids[3]})
    assert no_model.status_code == 409 and "no trained model" in no_model.json()["detail"]
    other = create_project(api.admin, api.demo_data)
    foreign = _rounds(other["id"], trained=1)[0]
    elsewhere = api.admin.put(f"{url}/pinned-round", json={"round_id": foreign})
    assert elsewhere.status_code == 404
    assert api.admin.put(f"{url}/pinned-round", json={"round_id": 2**31 - 1}).status_code == 404
    assert api.admin.get(url).json()["pinned_round_id"] == ids[2], "a refused pin changes nothing"

    unpinned = api.admin.delete(f"{url}/pinned-round").json()
    assert (unpinned["round_id"], unpinned["reason"]) == (ids[1], better)
    assert unpinned["pinned_round_id"] is None


def test_audit_settings_default_validate_and_go_into_the_round_snapshot(api):
    classes = [{"id": 0, "name": "road", "colour": "#808080"}]
    body = {"name": f"defaults-{uuid.uuid4().hex[:8]}", "classes": classes}
    project = api.admin.post("/projects", json=body).json()
    assert (project["audit_share"], project["audit_min_points"]) == (0.05, 20)
    url = f"/projects/{project['id']}"
    patched = api.admin.patch(url, json={"audit_share": 0.5, "audit_min_points": 0})
    assert patched.status_code == 200, patched.text
    assert api.admin.patch(url, json={"audit_share": 0.51}).status_code == 422
    assert api.admin.patch(url, json={"audit_share": None}).status_code == 422
    with open_session() as session:
        round_ = create_round(session, session.get_one(Project, project["id"]))
        assert (round_.settings["audit_share"], round_.settings["audit_min_points"]) == (0.5, 0)
