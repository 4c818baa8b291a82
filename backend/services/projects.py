"""Creating projects: one place that turns the API's ProjectCreate into a row."""

from backend.models import Project
from backend.schemas import ProjectCreate


def new_project(body: ProjectCreate) -> Project:
    """The project row for a validated request; the caller adds and commits it."""
    return Project(
        name=body.name,
        classes=[c.model_dump() for c in body.classes],
        selection_method=body.selection_method,
        objective=body.objective,
        objective_config=body.objective_config,
        points_per_image=body.points_per_image,
        pixel_budget=body.pixel_budget,
        images_per_round=body.images_per_round,
        model_settings=body.model_settings.model_dump(mode="json"),
        auto_advance_fraction=body.auto_advance_fraction,
        schedule_minutes=body.schedule_minutes,
        max_rounds=body.max_rounds,
        audit_share=body.audit_share,
        audit_min_points=body.audit_min_points,
        budget_unit=body.budget_unit,
        budget_amount=body.budget_amount,
    )
