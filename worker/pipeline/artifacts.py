"""Where a round keeps its files, and torch objects to and from storage bytes."""

import io
import json
from typing import Any

import torch

from backend.storage import Storage


class RoundKeys:
    def __init__(self, project_id: int, round_number: int) -> None:
        self.prefix = f"projects/{project_id}/rounds/{round_number}"

    @property
    def manifest(self) -> str:
        return f"{self.prefix}/manifest.json"

    @property
    def model(self) -> str:
        return f"{self.prefix}/model_a.pt"

    @property
    def model_checkpoint(self) -> str:
        return f"{self.prefix}/model_a.checkpoint.pt"

    @property
    def warmup_model(self) -> str:
        return f"{self.prefix}/model_a.warmup.pt"

    @property
    def warmup_checkpoint(self) -> str:
        return f"{self.prefix}/model_a.warmup.checkpoint.pt"

    @property
    def soft_labels(self) -> str:
        return f"{self.prefix}/soft_labels"

    @property
    def selector(self) -> str:
        return f"{self.prefix}/selector_b.pt"

    @property
    def selector_checkpoint(self) -> str:
        return f"{self.prefix}/selector_b.checkpoint.pt"

    @property
    def selection(self) -> str:
        return f"{self.prefix}/selection.json"

    def target_labels(self, image_id: int) -> str:
        return f"{self.prefix}/target_labels/{image_id}.png"

    def mask(self, image_id: int) -> str:
        return f"{self.prefix}/masks/{image_id}.png"

    def prediction(self, image_id: int) -> str:
        return f"{self.prefix}/predictions/{image_id}.png"

    def audit_prediction(self, image_id: int) -> str:
        """This round's model A on an audit image, kept for later rounds' re-estimates."""
        return f"{self.prefix}/audit_predictions/{image_id}.png"


def save_torch(storage: Storage, key: str, obj: Any) -> None:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    storage.put(key, buffer.getvalue())


def load_torch(storage: Storage, key: str, device: str = "cpu") -> Any:
    return torch.load(io.BytesIO(storage.get(key)), map_location=device, weights_only=True)


def save_json(storage: Storage, key: str, obj: Any) -> None:
    storage.put(key, json.dumps(obj).encode())


def load_json(storage: Storage, key: str) -> Any:
    return json.loads(storage.get(key))


class StorageSoftLabelStore:
    """ProDA's per-image soft labels in the storage layer, so every worker of the round can
    read them and a resumed round finds them again."""

    def __init__(self, storage: Storage, prefix: str) -> None:
        self.storage = storage
        self.prefix = prefix

    def save(self, index: int, tensor: torch.Tensor) -> None:
        save_torch(self.storage, f"{self.prefix}/{index}.pt", tensor.detach().half().cpu())

    def load(self, index: int) -> torch.Tensor:
        return load_torch(self.storage, f"{self.prefix}/{index}.pt")
