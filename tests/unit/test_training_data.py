"""worker.ml.data: labels read as class ids, items resized and augmented together with their
labels, and endless batches that reshuffle reproducibly."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from tests.unit.training_helpers import _read
from worker.ml.data import Augment, SegmentationDataset, decode_label, infinite_batches

torch.set_num_threads(1)


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_palette_labels_keep_their_class_ids() -> None:
    label = Image.fromarray(np.array([[0, 3], [255, 1]], dtype=np.uint8)).convert("P")
    buffer = io.BytesIO()
    label.save(buffer, format="PNG")
    np.testing.assert_array_equal(decode_label(buffer.getvalue()), [[0, 3], [255, 1]])


def test_colour_coded_labels_are_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="convert colour-coded labels"):
        decode_label(_png(np.zeros((2, 2, 3))))


def test_items_are_rgb_in_0_1_resized_and_unlabelled_ones_all_ignore() -> None:
    image = np.zeros((20, 30, 3))
    image[...] = (255, 51, 0)
    label = np.zeros((20, 30))
    label[:, 16:] = 2
    files = {"im": _png(image), "lb": _png(label)}
    dataset = SegmentationDataset([("im", "lb"), ("im", None)], files.__getitem__, size=(8, 12))

    item = dataset[0]
    assert item["image"].shape == (3, 8, 12) and item["image"].dtype == torch.float32
    torch.testing.assert_close(item["image"][:, 0, 0], torch.tensor([1.0, 0.2, 0.0]))
    assert item["label"].dtype == torch.int64
    assert set(item["label"].unique().tolist()) == {0, 2}  # nearest: no invented class 1
    assert item["index"] == 0
    assert torch.all(dataset[1]["label"] == 255)


def test_augmentation_moves_image_and_label_together() -> None:
    image = np.full((24, 32, 3), 100)  # grey class 0, never the black of the padding
    image[:, :10, 0] = 255  # the red stripe is class 1
    label = np.zeros((24, 32))
    label[:, :10] = 1
    files = {"im": _png(image), "lb": _png(label)}
    dataset = SegmentationDataset(
        [("im", "lb")], files.__getitem__, size=(24, 32), augment=Augment(jitter=0.0)
    )
    torch.manual_seed(0)
    sides, padded, zoomed = set(), 0, 0
    for _ in range(30):
        item = dataset[0]
        label = item["label"]
        assert item["image"].shape == (3, 24, 32) and label.shape == (24, 32)
        red = item["image"][0] > 0.5
        # Bilinear image, nearest label: they may differ along the stripe's edge only.
        assert (red != (label == 1)).sum() <= 2 * 24
        assert ((label == 255) == (item["image"].sum(0) == 0)).float().mean() > 0.95
        sides.add(bool(label[:, 0].eq(1).all()))
        padded += bool((label == 255).any())  # scaled down: padded, and the padding ignored
        zoomed += int((label[0] == 1).sum()) > 10  # scaled up: the 10-pixel stripe widens
    assert sides == {True, False}  # both flipped and unflipped were seen
    assert padded > 0 and zoomed > 0


def test_colour_jitter_changes_the_image_but_never_the_labels() -> None:
    image = np.full((24, 32, 3), 128)
    label = np.zeros((24, 32))
    label[:, :10] = 1
    files = {"im": _png(image), "lb": _png(label)}
    dataset = SegmentationDataset(
        [("im", "lb")], files.__getitem__, augment=Augment(scale=(1.0, 1.0), flip=False)
    )
    torch.manual_seed(0)
    items = [dataset[0] for _ in range(5)]
    assert len({round(float(item["image"].mean()), 3) for item in items}) > 1
    for item in items:
        assert torch.equal(item["label"], torch.from_numpy(label).long())


def test_infinite_batches_cover_a_dataset_smaller_than_a_batch_forever() -> None:
    files = {"im": _png(np.zeros((4, 4, 3)))}
    dataset = SegmentationDataset([("im", None)] * 3, files.__getitem__)
    batches = infinite_batches(dataset, batch_size=4)
    for _ in range(5):
        assert sorted(next(batches)["index"].tolist()) == [0, 1, 2]


def test_an_empty_dataset_is_refused_instead_of_looping_forever() -> None:
    with pytest.raises(ValueError, match="empty"):
        next(infinite_batches(SegmentationDataset([], _read), batch_size=4))


def test_infinite_batches_reshuffle_each_epoch_reproducibly() -> None:
    files = {"im": _png(np.zeros((4, 4, 3)))}
    dataset = SegmentationDataset([("im", None)] * 8, files.__getitem__)

    def order(seed: int) -> list[int]:
        batches = infinite_batches(dataset, batch_size=4, seed=seed)
        return [i for _ in range(6) for i in next(batches)["index"].tolist()]

    first = order(0)
    assert first == order(0)
    assert first != order(1)
    assert first[:8] != first[8:16]
    assert sorted(first[:8]) == list(range(8))
