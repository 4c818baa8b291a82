"""Database tables: the single source of truth for projects, rounds, tasks and labels."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Role(StrEnum):
    admin = "admin"
    annotator = "annotator"


class DatasetKind(StrEnum):
    source = "source"
    target_pool = "target_pool"
    target_val = "target_val"


class DatasetStatus(StrEnum):
    ready = "ready"
    importing = "importing"
    failed = "failed"


class RoundStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


# A project has at most one round in these states.
ACTIVE = (RoundStatus.queued, RoundStatus.running)


class TaskKind(StrEnum):
    points = "points"
    region = "region"


class BudgetUnit(StrEnum):
    """What a project's labelling budget counts: labelled points, labelled pixels (points and
    painted), or annotators' active hours."""

    points = "points"
    pixels = "pixels"
    hours = "hours"


class TaskPurpose(StrEnum):
    """Train tasks feed training; audit tasks (uniform random pixels) only measure the model."""

    train = "train"
    audit = "audit"


class TaskStatus(StrEnum):
    pending = "pending"
    leased = "leased"
    done = "done"
    skipped = "skipped"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.annotator)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """Long-lived tokens for REST clients; only a hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    classes: Mapped[list[Any]] = mapped_column(JSON)
    selection_method: Mapped[str] = mapped_column(String(32), default="ppl")
    objective: Mapped[str] = mapped_column(String(32), default="none")
    objective_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    points_per_image: Mapped[int] = mapped_column(Integer, default=40)
    pixel_budget: Mapped[float] = mapped_column(Float, default=0.022)
    images_per_round: Mapped[int] = mapped_column(Integer, default=10)
    model_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Scheduling: launch the next round once this share of the last round's tasks is done,
    # and/or every `schedule_minutes`; null disables each.
    auto_advance_fraction: Mapped[float | None] = mapped_column(Float, default=None)
    schedule_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    max_rounds: Mapped[int | None] = mapped_column(Integer, default=None)
    # Audit points: this share of each round's points (at least `audit_min_points`), drawn
    # uniformly over the pool and never trained on, estimate the model without target labels.
    audit_share: Mapped[float] = mapped_column(Float, default=0.05)
    audit_min_points: Mapped[int] = mapped_column(Integer, default=20)
    # Labelling budget ("points", "pixels" or "hours"; null: none): once spent, no new rounds.
    budget_unit: Mapped[str | None] = mapped_column(String(16), default=None)
    budget_amount: Mapped[float | None] = mapped_column(Float, default=None)
    # The round whose model is served; null: chosen on the audit points (backend.services.audit).
    pinned_round_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "rounds.id", ondelete="SET NULL", use_alter=True, name="fk_projects_pinned_round"
        ),
        default=None,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    image_count: Mapped[int] = mapped_column(Integer, default=0)
    # Background imports show progress here; every import ends with its report (counts,
    # skipped files and why, class histogram) or, when it failed, the reason.
    status: Mapped[str] = mapped_column(String(16), default=DatasetStatus.ready)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    image_key: Mapped[str] = mapped_column(String(500))
    label_key: Mapped[str | None] = mapped_column(String(500), default=None)

    dataset: Mapped[Dataset] = relationship()


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.queued)
    stage: Mapped[str] = mapped_column(String(32), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # This round's model estimated from audit points (backend.audit_schemas.RoundAudit); later
    # rounds re-estimate it as audit labels come in.
    audit: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    checkpoint_key: Mapped[str | None] = mapped_column(String(500), default=None)
    selector_checkpoint_key: Mapped[str | None] = mapped_column(String(500), default=None)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which worker is running a stage now, and when it last said so: a lease, so a
    # redelivered message never runs the same round twice at once.
    runner_id: Mapped[str | None] = mapped_column(String(100), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class AnnotationTask(Base):
    __tablename__ = "annotation_tasks"
    # One task per image per round: publishing twice can never duplicate work.
    # "Next task" walks the claimable tasks of a project best first: an index in that order,
    # over claimable rows only, keeps it a few rows' read however large the project grows.
    __table_args__ = (
        UniqueConstraint("round_id", "image_id"),
        Index(
            "ix_annotation_tasks_claim_order",
            "project_id",
            text("priority DESC"),
            "id",
            postgresql_where=text("status IN ('pending', 'leased')"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # Never shown to annotators: an audit task looks like any points task.
    purpose: Mapped[str] = mapped_column(String(16), default=TaskPurpose.train)
    points: Mapped[list[Any]] = mapped_column(JSON, default=list)
    mask_key: Mapped[str | None] = mapped_column(String(500), default=None)
    # Model A's dense prediction, offered to pre-fill segments the annotator accepts or fixes.
    prediction_key: Mapped[str | None] = mapped_column(String(500), default=None)
    requested_pixels: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.pending, index=True)
    leased_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Work in progress of the lease holder, saved as they go: a reload or an expired
    # session never loses it.
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    skipped_by: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    image: Mapped[Image] = relationship()


class Annotation(Base):
    """One submission: a sparse label map (class id where labelled, ignore elsewhere)."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("annotation_tasks.id", ondelete="CASCADE"), index=True
    )
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_key: Mapped[str] = mapped_column(String(100), unique=True)
    # Labelled points, as submitted. A submission of points only is stored here alone: the
    # row is its label map (one durable commit, no file). A region's map is a PNG in storage.
    labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    label_key: Mapped[str | None] = mapped_column(String(500), default=None)
    labelled_pixels: Mapped[int] = mapped_column(Integer)
    # The effort the ledger counts, at the image's true resolution: labelled points, painted
    # pixels of a region map and its segments (4-connected, one class; null: not counted).
    points: Mapped[int] = mapped_column(Integer, default=0)
    painted_pixels: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int | None] = mapped_column(Integer, default=None)
    seconds_spent: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskSkip(Base):
    """One skip and the seconds it took, which the ledger and an hours budget count as work.
    (Who is not offered the task again is the task's skipped_by, which the claim filters on.)"""

    __tablename__ = "task_skips"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("annotation_tasks.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    seconds_spent: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobKind(StrEnum):
    export = "export"
    predict = "predict"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(Base):
    """An export or single-image prediction a cpu worker runs. The row is the state every API
    replica and worker shares (no Celery result backend, no polling storage); storage holds only
    the input and result bytes, and both go with the row once it expires."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # What the worker needs (resolved round and datasets, format) and the download's filename.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result_key: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime] = mapped_column(index=True)
