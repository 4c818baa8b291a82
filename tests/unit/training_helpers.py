"""The demo folder as the training tests read it: (image, label) file pairs, the datasets of a
split with or without its labels, and endless batches of them."""

from pathlib import Path

from worker.ml.data import SegmentationDataset, infinite_batches


def _items(root: Path, split: str, labelled: bool = True) -> list[tuple[str, str | None]]:
    images = sorted((root / split / "images").iterdir())
    return [(str(p), str(root / split / "labels" / p.name) if labelled else None) for p in images]


def _read(key: str) -> bytes:
    return Path(key).read_bytes()


def _dataset(root: Path, split: str, labelled: bool = True, **kwargs) -> SegmentationDataset:
    return SegmentationDataset(_items(root, split, labelled), _read, **kwargs)


def _batches(dataset: SegmentationDataset, batch_size: int = 4, seed: int = 0):
    return infinite_batches(dataset, batch_size, seed=seed)
