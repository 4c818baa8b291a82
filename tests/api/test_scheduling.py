"""Beat's scheduling decisions against the real database and broker."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.db import open_session
from backend.models import Annotation, AnnotationTask, Dataset, Image, Round, User
from tests.conftest import create_project
from worker.scheduling import schedule_due_rounds


def _finished_round(project_id: int, tasks: int, done: int, ended_minutes_ago: float = 0) -> None:
    with open_session() as session:
        round_ = Round(
            project_id=project_id,
            number=0,
            status="done",
            stage="done",
            finished_at=datetime.now(UTC) - timedelta(minutes=ended_minutes_ago),
        )
        session.add(round_)
        session.flush()
        images = session.scalars(
            select(Image.id).join(Dataset).where(Dataset.project_id == project_id).limit(tasks)
        ).all()
        for index, image_id in enumerate(images):
            session.add(
                AnnotationTask(
                    project_id=project_id,
                    round_id=round_.id,
                    image_id=image_id,
                    kind="points",
                    status="done" if index < done else "pending",
                )
            )
        session.commit()


def _rounds(project_id: int) -> list[Round]:
    with open_session() as session:
        return list(
            session.scalars(
                select(Round).where(Round.project_id == project_id).order_by(Round.number)
            )
        )


def _label_one_more(project_id: int) -> None:
    with open_session() as session:
        task = session.scalars(
            select(AnnotationTask).where(
                AnnotationTask.project_id == project_id, AnnotationTask.status == "pending"
            )
        ).first()
        task.status = "done"
        session.commit()


def test_auto_advance_fires_once_when_the_share_of_labelled_tasks_is_reached(api):
    project = create_project(api.admin, api.demo_data, auto_advance_fraction=0.75)
    _finished_round(project["id"], tasks=4, done=2)
    assert schedule_due_rounds() == []
    _label_one_more(project["id"])
    launched = schedule_due_rounds()
    rounds = _rounds(project["id"])
    assert [r.id for r in rounds[1:]] == launched and len(launched) == 1
    assert rounds[1].status == "queued" and "3/4 tasks" in rounds[1].message
    assert schedule_due_rounds() == [], "never a second round while one is active"


def test_timed_schedule_waits_for_its_interval_and_respects_max_rounds(api):
    project = create_project(api.admin, api.demo_data, schedule_minutes=60, max_rounds=2)
    _finished_round(project["id"], tasks=1, done=0, ended_minutes_ago=30)
    assert schedule_due_rounds() == []
    with open_session() as session:
        round_ = session.scalars(select(Round).where(Round.project_id == project["id"])).one()
        round_.finished_at = datetime.now(UTC) - timedelta(minutes=61)
        session.commit()
    assert len(schedule_due_rounds()) == 1
    with open_session() as session:
        latest = session.scalars(
            select(Round).where(Round.project_id == project["id"], Round.number == 1)
        ).one()
        latest.status = "done"
        latest.finished_at = datetime.now(UTC) - timedelta(minutes=120)
        session.commit()
    assert schedule_due_rounds() == [], "max_rounds reached"


def _labelled(project_id: int, points: int) -> None:
    """A submission of `points` labelled points on each done task of the project."""
    with open_session() as session:
        user_id = session.scalars(select(User.id)).first()
        tasks = session.scalars(
            select(AnnotationTask).where(
                AnnotationTask.project_id == project_id, AnnotationTask.status == "done"
            )
        ).all()
        for task in tasks:
            session.add(
                Annotation(
                    task_id=task.id,
                    image_id=task.image_id,
                    user_id=user_id,
                    client_key=uuid.uuid4().hex,
                    labelled_pixels=points,
                    points=points,
                )
            )
        session.commit()


def test_a_spent_budget_stops_scheduling_at_its_limit(api):
    project = create_project(
        api.admin,
        api.demo_data,
        auto_advance_fraction=0.5,
        budget_unit="points",
        budget_amount=4,
    )
    _finished_round(project["id"], tasks=2, done=2)
    _labelled(project["id"], points=2)
    assert schedule_due_rounds() == [], "4 of 4 points spent"
    response = api.admin.patch(f"/projects/{project['id']}", json={"budget_amount": 4.5})
    assert response.status_code == 200, response.text
    assert len(schedule_due_rounds()) == 1, "the same round is due once budget is left"
