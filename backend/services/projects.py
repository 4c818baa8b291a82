"""Creating projects: one place that turns the API's ProjectCreate into a row."""

from backend.models import Project
from backend.schemas import ProjectCreate


def new_project(body: ProjectCreate) -> Project:
    """The project row for a validated request (every field of the body is a column, stored as
    JSON would carry it); the caller adds and commits it."""
    return Project(**body.model_dump(mode="json"))
