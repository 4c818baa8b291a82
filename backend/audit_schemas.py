"""How good each round's model is without target labels, and which model the project serves:
the audit estimates the worker writes (Round.audit) and the current-model answer."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# Fewer labelled audit points than this give no estimate: an interval from a handful of
# points is too wide to tell two rounds apart.
MIN_AUDIT_POINTS = 10
AUDIT_LEVEL = 0.9


class Interval(BaseModel):
    low: float
    high: float


class RoundAudit(BaseModel):
    """A round's model A on every audit point labelled so far (pixels drawn uniformly over a
    held-out uniform sample of the target pool's images, which no round trains on), with
    bootstrap intervals over images (percentile, widened for few images)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    points: int = Field(description="Labelled audit points the estimate uses.")
    images: int = Field(description="Pool images those points lie on.")
    labels_as_of_round: int = Field(
        description="The latest round when the estimate was made; it used every audit label "
        "known then (the set only grows, and each labelled audit task refreshes it)."
    )
    level: float = AUDIT_LEVEL
    pixel_accuracy: float | None = None
    pixel_accuracy_interval: Interval | None = None
    miou: float | None = None
    miou_interval: Interval | None = None
    per_class_iou: dict[str, float] = Field(
        default_factory=dict, description="Classes with enough audit points of their own."
    )
    versus_latest: Interval | None = Field(
        default=None,
        description="This round's mIoU minus the latest estimated round's on the same audit "
        "points, a paired bootstrap interval at `level`; null for the latest round itself. An "
        "earlier round is served instead of the latest only when its interval lies above 0.",
    )
    reason: str | None = Field(default=None, description="Why there is no estimate, if none.")


class CurrentModelReason(StrEnum):
    pinned = "pinned"
    latest_audited = "latest (no earlier round measurably better)"
    better_audit = "measurably better than the latest on audit points"
    latest = "latest (no audit estimate yet)"
    none = "no trained model yet"


class CurrentModelOut(BaseModel):
    """The round whose model /predict, exports and pre-fill use when no round is named."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    round_id: int | None
    number: int | None
    reason: CurrentModelReason
    pinned_round_id: int | None
    estimate: RoundAudit | None = Field(description="The round's audit estimate, if any.")
    val_miou: float | None = Field(
        default=None, description="Its target/val mIoU, where the project has a labelled set."
    )


class PinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    round_id: int = Field(ge=1, le=2**31 - 1)
