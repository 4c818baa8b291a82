"""What every stage of a round works with: its settings, classes, storage keys and device."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.db import open_session
from backend.models import Project, Round
from backend.round_settings import ModelSettings, RoundSettings, SelectorTraining
from backend.storage import Storage, get_storage
from worker.ml import distributed
from worker.ml.data import Augment, SegmentationDataset, infinite_batches
from worker.ml.models import Segmenter, build_segmenter
from worker.ml.training import TrainConfig
from worker.pipeline.artifacts import RoundKeys, load_torch

Report = Callable[..., None]


class PipelineError(RuntimeError):
    """A problem the admin must fix (missing data, bad settings); shown as the round's error."""


@dataclass
class RoundContext:
    round_id: int
    project_id: int
    number: int
    settings: RoundSettings
    classes: list[dict[str, Any]]
    storage: Storage
    keys: RoundKeys
    device: str

    @property
    def model_settings(self) -> ModelSettings:
        return self.settings.model

    @property
    def image_size(self) -> tuple[int, int]:
        return self.model_settings.image_size

    def train_config(self, iterations: int) -> TrainConfig:
        model = self.model_settings
        return TrainConfig(
            iterations=iterations,
            batch_size=model.batch_size,
            lr=model.lr,
            optimizer=model.optimizer,
            adversarial_weight=model.adversarial_weight,
            selector_heads_only=model.selector_training == SelectorTraining.heads,
            checkpoint_every=model.checkpoint_every,
            device=self.device,
            seed=model.seed + self.number,
        )

    def build_model(self, pretrained: bool = False) -> Segmenter:
        model = self.model_settings
        return build_segmenter(len(self.classes), model.backbone, pretrained, model.output_stride)

    def dataset(self, items: list[tuple[str, str | None]], augment: bool = False):
        return SegmentationDataset(
            items, self.storage.get, size=self.image_size, augment=Augment() if augment else None
        )

    @property
    def batch_seed(self) -> int:
        """Each training process draws its own batches; one process draws as it always did."""
        return self.model_settings.seed + distributed.rank()

    def batches(self, items: list[tuple[str, str | None]], augment: bool = True):
        if not items:
            return None
        dataset = self.dataset(items, augment=augment)
        return infinite_batches(dataset, self.model_settings.batch_size, self.batch_seed)


def load_context(round_id: int) -> RoundContext:
    with open_session() as session:
        round_ = session.get_one(Round, round_id)
        project = session.get_one(Project, round_.project_id)
        return RoundContext(
            round_id=round_.id,
            project_id=project.id,
            number=round_.number,
            settings=RoundSettings.model_validate(round_.settings),
            classes=project.classes,
            storage=get_storage(),
            keys=RoundKeys(project.id, round_.number),
            device=distributed.device(),
        )


def load_model(ctx: RoundContext, key: str) -> Segmenter:
    model = ctx.build_model()
    model.load_state_dict(load_torch(ctx.storage, key, ctx.device))
    return model.to(ctx.device).eval()


def set_round(ctx: RoundContext, **values: Any) -> None:
    with open_session() as session:
        round_ = session.get(Round, ctx.round_id)
        for name, value in values.items():
            setattr(round_, name, value)
        session.commit()
