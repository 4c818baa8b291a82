"""Request and response bodies: the public REST contract, documented by the OpenAPI schema."""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.audit_schemas import RoundAudit
from backend.images import IGNORE_INDEX
from backend.models import (
    BudgetUnit,
    DatasetKind,
    DatasetStatus,
    Role,
    RoundStatus,
    TaskKind,
    TaskStatus,
)
from backend.objectives import validate_objective_config
from backend.round_settings import ModelSettings, ObjectiveName, SelectionMethod

# Names are printable: PostgreSQL refuses NUL in text, and control characters only hide
# what a name says.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=PRINTABLE)]
AuditShare = Annotated[float, Field(ge=0, le=0.5)]
AuditMinPoints = Annotated[int, Field(ge=0, le=100_000)]
BudgetAmount = Annotated[float, Field(gt=0, le=1e12)]


class ORMModel(BaseModel):
    # Responses always carry fields that have defaults, so generated clients see them required.
    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class UserCreate(BaseModel):
    email: Annotated[
        str,
        Field(min_length=3, max_length=255, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"),
    ]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    role: Literal["admin", "annotator"] = "annotator"


class UserOut(ORMModel):
    id: int
    email: str
    role: Role
    is_active: bool


class ApiTokenCreate(BaseModel):
    name: Name


class ApiTokenOut(ORMModel):
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="Shown once; only its hash is stored.")


class ClassDef(BaseModel):
    id: Annotated[int, Field(ge=0, le=254)]
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=PRINTABLE)]
    colour: str

    @field_validator("colour")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise ValueError("colour must look like #rrggbb")
        return value.lower()


class ProjectBase(BaseModel):
    selection_method: SelectionMethod = SelectionMethod.ppl
    objective: ObjectiveName = ObjectiveName.none
    objective_config: dict[str, Any] = Field(default_factory=dict)
    points_per_image: Annotated[int, Field(ge=1, le=10_000)] = 40
    pixel_budget: Annotated[float, Field(gt=0, le=1)] = 0.022
    images_per_round: Annotated[int, Field(ge=1, le=100_000)] = 10
    model_settings: ModelSettings = Field(default_factory=ModelSettings)
    auto_advance_fraction: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=None, description="Launch the next round once this share of tasks is labelled."
    )
    schedule_minutes: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Launch the next round this long after the last one ended."
    )
    max_rounds: Annotated[int, Field(ge=1)] | None = None
    audit_share: AuditShare = Field(
        default=0.05,
        description="Share of each round's points (points_per_image x images_per_round) asked "
        "as audit points: uniform random pixels, never trained on, that estimate the model.",
    )
    audit_min_points: AuditMinPoints = Field(
        default=20, description="Audit points per round at least (0 with a share of 0: none)."
    )
    budget_unit: BudgetUnit | None = Field(
        default=None, description="What the budget counts; null: no budget."
    )
    budget_amount: BudgetAmount | None = Field(
        default=None, description="Once this much is spent, no round is launched or scheduled."
    )

    @model_validator(mode="after")
    def _budget_has_an_amount(self) -> "ProjectBase":
        check_budget(self.budget_unit, self.budget_amount)
        return self


def check_budget(unit: str | None, amount: float | None) -> None:
    if unit is not None and amount is None:
        raise ValueError("budget_amount is required with budget_unit")


def check_objective(objective: str | None, config: dict[str, Any] | None) -> dict[str, Any]:
    """The objective's own defaults and ranges decide; errors name the bad key and range."""
    return validate_objective_config(objective or "none", config or {})


class ProjectCreate(ProjectBase):
    name: Name
    classes: Annotated[list[ClassDef], Field(min_length=1, max_length=254)]

    @model_validator(mode="after")
    def _objective_config(self) -> "ProjectCreate":
        self.objective_config = check_objective(self.objective, self.objective_config)
        return self

    @field_validator("classes")
    @classmethod
    def _unique_classes(cls, classes: list[ClassDef]) -> list[ClassDef]:
        ids = [c.id for c in classes]
        if len(set(ids)) != len(ids):
            raise ValueError("class ids must be unique")
        if sorted(ids) != list(range(len(ids))):
            raise ValueError("class ids must be 0..N-1")
        return classes


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    selection_method: SelectionMethod | None = None
    objective: ObjectiveName | None = None
    objective_config: dict[str, Any] | None = None
    points_per_image: Annotated[int, Field(ge=1, le=10_000)] | None = None
    pixel_budget: Annotated[float, Field(gt=0, le=1)] | None = None
    images_per_round: Annotated[int, Field(ge=1, le=100_000)] | None = None
    model_settings: ModelSettings | None = None
    auto_advance_fraction: Annotated[float, Field(gt=0, le=1)] | None = None
    schedule_minutes: Annotated[int, Field(ge=1)] | None = None
    max_rounds: Annotated[int, Field(ge=1)] | None = None
    audit_share: AuditShare | None = None
    audit_min_points: AuditMinPoints | None = None
    budget_unit: BudgetUnit | None = None
    budget_amount: BudgetAmount | None = None


class ProjectOut(ORMModel):
    id: int
    name: str
    classes: list[ClassDef]
    ignore_index: int = Field(
        default=IGNORE_INDEX, description="The label value meaning unlabelled, in every project."
    )
    selection_method: SelectionMethod
    objective: ObjectiveName
    objective_config: dict[str, Any]
    points_per_image: int
    pixel_budget: float
    images_per_round: int
    model_settings: ModelSettings
    auto_advance_fraction: float | None
    schedule_minutes: int | None
    max_rounds: int | None
    audit_share: float
    audit_min_points: int
    budget_unit: BudgetUnit | None
    budget_amount: float | None
    pinned_round_id: int | None = Field(
        description="The round whose model is served, pinned by an admin; null: chosen."
    )
    created_at: datetime


class MemberAdd(BaseModel):
    user_id: int


DatasetFormat = Literal["generic", "palette", "cityscapes", "gta5", "camvid", "coco", "labelstudio"]
ClassMap = dict[Annotated[int, Field(ge=0, le=254)], Annotated[int, Field(ge=0, le=255)]]


class ImportOptions(BaseModel):
    format: DatasetFormat = "generic"
    split: Annotated[str, Field(max_length=100, pattern=r"^[A-Za-z0-9_\-.]+$")] | None = Field(
        default=None,
        description="Cityscapes/CamVid split folder (default train); COCO annotation file stem.",
    )
    class_map: ClassMap | Literal["by_name"] | None = Field(
        default=None,
        description='Dataset class id -> project class id (255 drops a class), or "by_name". '
        "Omitted: the ids must already be the project's (a classes.json that disagrees is an "
        "error). Cityscapes and GTA5 ids are train ids (0..18) after the official mapping.",
    )
    unknown_ids: Literal["ignore", "error"] = Field(
        default="error",
        description="Label values outside the mapping: an error, or unlabelled (255) and counted "
        "in the report.",
    )


class FolderImport(ImportOptions):
    kind: Literal["source", "target_pool", "target_val"]
    path: Annotated[str, Field(min_length=1, max_length=4096, pattern=PRINTABLE)]
    name: Name | None = None
    background: bool = Field(
        default=False,
        description="Import on the worker's cpu queue: answers 202 at once; poll the dataset's "
        "status and report.progress.",
    )


class DatasetOut(ORMModel):
    id: int
    project_id: int
    name: str
    kind: DatasetKind
    image_count: int
    status: DatasetStatus
    report: dict[str, Any] | None
    created_at: datetime


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: Literal["labels", "predictions", "model"] = "labels"
    format: DatasetFormat = "generic"
    round_id: int | None = Field(
        default=None,
        description="Labels: that round's tasks (all rounds when omitted). Predictions and "
        "model: that round's checkpoint (the project's current model when omitted: "
        "GET /projects/{id}/current-model).",
    )
    cumulative: bool = Field(
        default=False, description="Labels of round_id and every round before it, merged."
    )
    dataset_id: int | None = Field(
        default=None, description="Predictions for this dataset's images (default: target pool)."
    )
    include_images: bool = True
    image_url_prefix: Annotated[str, Field(max_length=500)] = Field(
        default="", description="Label Studio: prefix of data.image, e.g. /data/local-files/?d="
    )


class ExportJobOut(BaseModel):
    id: str
    what: str
    format: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float = 0.0
    error: str | None = None
    download_url: str | None = None


class ImageOut(ORMModel):
    id: int
    dataset_id: int
    name: str
    width: int
    height: int
    has_label: bool


class RoundMetrics(BaseModel):
    """Model A on the target validation set, beside the labels that bought it."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    miou: float | None = Field(description="None when the project has no target/val set.")
    per_class_iou: dict[str, float | None] = Field(default_factory=dict)
    pixel_accuracy: float | None = None
    labelled_pixels: int = 0
    labelled_fraction: float = 0.0


class AnnotatorStat(BaseModel):
    user_id: int
    email: str
    submissions: int
    labelled_pixels: int
    seconds: float
    seconds_per_label: float | None


class RoundOut(ORMModel):
    id: int
    project_id: int
    number: int
    status: RoundStatus
    stage: str
    progress: float
    message: str | None
    metrics: RoundMetrics | None
    audit: RoundAudit | None = Field(
        description="Model A estimated from audit points, beside metrics' target/val figures."
    )
    error: str | None
    task_count: int = 0
    tasks_done: int = 0
    has_model: bool = Field(
        default=False, description="Its model A is trained and stored: it can be pinned or served."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class Point(BaseModel):
    x: int
    y: int


class TaskOut(BaseModel):
    id: int
    project_id: int
    round_id: int
    image_id: int
    image_name: str
    kind: TaskKind
    points: list[Point]
    width: int
    height: int
    status: TaskStatus
    lease_expires_at: datetime | None
    requested_pixels: int
    version: int
    draft: dict[str, Any] | None
    image_url: str
    mask_url: str | None
    prediction_url: str | None


class PointLabel(BaseModel):
    x: Annotated[int, Field(ge=0)]
    y: Annotated[int, Field(ge=0)]
    class_id: Annotated[int, Field(ge=0, le=255)]


class Submission(BaseModel):
    labels: Annotated[list[PointLabel], Field(max_length=100_000)] = Field(default_factory=list)
    region_png: Annotated[str, Field(max_length=50_000_000)] | None = Field(
        default=None,
        description="Base64 one-channel PNG of the image's size: class ids, 255 unlabelled.",
    )
    seconds_spent: Annotated[float, Field(ge=0, le=86_400)] = 0.0
    client_key: Annotated[str, Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")]
    expected_version: int | None = Field(
        default=None, description="The task version you loaded; 409 if it changed since."
    )


class Skip(BaseModel):
    seconds_spent: Annotated[float, Field(ge=0, le=86_400)] = Field(
        default=0.0, description="Seconds spent on the task before skipping it: ledger effort."
    )


class Draft(BaseModel):
    labels: Annotated[list[PointLabel], Field(max_length=100_000)] = Field(default_factory=list)
    region_png: Annotated[str, Field(max_length=50_000_000)] | None = None
    seconds_spent: Annotated[float, Field(ge=0, le=86_400)] = 0.0
    current_point: Annotated[int, Field(ge=0)] = 0


class AnnotationOut(ORMModel):
    id: int
    task_id: int
    labelled_pixels: int
    created_at: datetime


class Health(BaseModel):
    database: str
    broker: str
