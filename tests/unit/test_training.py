import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from worker.ml.data import Augment, SegmentationDataset, decode_label, infinite_batches
from worker.ml.metrics import evaluate
from worker.ml.models import build_segmenter, build_selector
from worker.ml.synthetic import generate_demo_dataset
from worker.ml.training import (
    TrainConfig,
    head_discrepancy,
    predict,
    predict_selector,
    pseudo_labels,
    train_segmenter,
    train_selector,
)
from worker.ml.training.optim import make_optimizer, schedule_lr

torch.set_num_threads(1)

NUM_CLASSES = 6


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo_dataset(
        tmp_path_factory.mktemp("demo"), size=(48, 32), n_source=8, n_pool=4, n_val=2
    )


def _items(root: Path, split: str, labelled: bool = True) -> list[tuple[str, str | None]]:
    images = sorted((root / split / "images").iterdir())
    return [(str(p), str(root / split / "labels" / p.name) if labelled else None) for p in images]


def _read(key: str) -> bytes:
    return Path(key).read_bytes()


def _dataset(root: Path, split: str, labelled: bool = True, **kwargs) -> SegmentationDataset:
    return SegmentationDataset(_items(root, split, labelled), _read, **kwargs)


def _batches(dataset: SegmentationDataset, batch_size: int = 4, seed: int = 0):
    return infinite_batches(dataset, batch_size, seed=seed)


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- data -----------------------------------------------------------------------------------


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


# --- segmenter ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source_run(demo: Path) -> dict:
    """One 100-iteration source-only training, shared by the tests that need a trained A."""
    torch.manual_seed(0)
    model = build_segmenter(NUM_CLASSES)
    source_eval = _dataset(demo, "source/train")
    before = evaluate(model, source_eval, NUM_CLASSES)["miou"]
    progress: list[tuple[int, int]] = []
    losses = train_segmenter(
        model,
        TrainConfig(iterations=100),
        _batches(_dataset(demo, "source/train", augment=Augment())),
        on_progress=lambda i, total, _: progress.append((i, total)),
    )
    after = evaluate(model, source_eval, NUM_CLASSES)["miou"]
    return {
        "model": model,
        "before": before,
        "after": after,
        "progress": progress,
        "losses": losses,
    }


def test_source_training_learns_to_segment(source_run: dict) -> None:
    assert source_run["progress"] == [(i, 100) for i in range(1, 101)]
    assert source_run["losses"]["source_ce"] < 0.8
    assert source_run["after"] > max(0.4, source_run["before"] + 0.2)


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_same_seed_gives_the_same_model(demo: Path) -> None:
    def run(seed: int) -> dict[str, torch.Tensor]:
        torch.manual_seed(seed)
        model = build_segmenter(NUM_CLASSES)
        cfg = TrainConfig(iterations=3, seed=seed)
        train_segmenter(model, cfg, _batches(_dataset(demo, "source/train", augment=Augment())))
        return _weights(model)

    a, b, c = run(0), run(0), run(1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_interrupted_then_resumed_run_ends_where_the_uninterrupted_one_does(demo: Path) -> None:
    # one image per domain and no augmentation: every iteration sees the same batch, so the
    # resumed run must match the uninterrupted one weight for weight
    source = SegmentationDataset(_items(demo, "source/train")[:1], _read)
    pool = SegmentationDataset(_items(demo, "target/train", labelled=False)[:1], _read)
    cfg = TrainConfig(iterations=6, checkpoint_every=2)

    def run(resume=None, on_progress=None, on_checkpoint=None):
        torch.manual_seed(0)
        model = build_segmenter(NUM_CLASSES)
        train_segmenter(
            model,
            cfg,
            _batches(source),
            target_unlabelled=_batches(pool),
            resume=resume,
            on_checkpoint=on_checkpoint,
            on_progress=on_progress,
        )
        return model

    uninterrupted = run()

    # Production stops a run as here, by raising from the progress callback (the pipeline's
    # ProgressReporter raises CancelRequested or LeaseLost); a stage stopped or killed
    # mid-way resumes from its last checkpoint.
    class Cancelled(Exception):
        pass

    def cancel_after_3(done: int, *_) -> None:
        if done == 3:
            raise Cancelled

    checkpoints: list[dict] = []
    with pytest.raises(Cancelled):
        run(on_progress=cancel_after_3, on_checkpoint=checkpoints.append)
    assert [c["iteration"] for c in checkpoints] == [2]
    assert checkpoints[0]["discriminator"] is not None

    progress: list[int] = []
    resume = torch.load(_saved(checkpoints[-1]), weights_only=False)
    resumed = run(resume=resume, on_progress=lambda done, *_: progress.append(done))

    assert progress == [3, 4, 5, 6]
    for key, value in uninterrupted.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[key], value, rtol=0, atol=0)


def _saved(state: dict) -> io.BytesIO:
    """Round-trip through torch.save, as the pipeline's storage does."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return buffer


def test_target_batches_without_labelled_pixels_do_not_break_training(demo: Path) -> None:
    model = build_segmenter(NUM_CLASSES)
    losses = train_segmenter(
        model,
        TrainConfig(iterations=2, adversarial_weight=0.0),
        _batches(_dataset(demo, "source/train")),
        target_labelled=_batches(_dataset(demo, "target/train", labelled=False)),
    )
    assert losses["target_ce"] == 0.0
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_adversarial_alignment_only_runs_with_unlabelled_target_and_a_weight(demo: Path) -> None:
    def losses(weight: float) -> dict[str, float]:
        return train_segmenter(
            build_segmenter(NUM_CLASSES),
            TrainConfig(iterations=2, adversarial_weight=weight),
            _batches(_dataset(demo, "source/train")),
            target_unlabelled=_batches(_dataset(demo, "target/train", labelled=False)),
        )

    assert {"adversarial", "discriminator"} <= losses(0.001).keys()
    assert "adversarial" not in losses(0.0)


class _PreferClass:
    """A stand-in self-training objective that pushes every target pixel to one class."""

    def __init__(self, cls: int) -> None:
        self.cls = cls
        self.loss_calls: list[int] = []
        self.after_step_calls: list[int] = []

    def loss(self, model, source_batch, target_batch, iteration):
        self.loss_calls.append(iteration)
        logits = model(target_batch["image"])
        labels = torch.full_like(target_batch["label"], self.cls)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        return loss, {"prefer": loss.item()}

    def after_step(self, model, iteration):
        self.after_step_calls.append(iteration)


def test_the_self_training_objective_is_optimised_every_iteration(demo: Path) -> None:
    model = build_segmenter(NUM_CLASSES)
    objective = _PreferClass(cls=4)
    pool = _dataset(demo, "target/train", labelled=False)
    losses = train_segmenter(
        model,
        TrainConfig(
            iterations=12, optimizer="sgd", lr=0.01, target_weight=0.0, adversarial_weight=0.0
        ),
        _batches(_dataset(demo, "source/train")),
        target_unlabelled=_batches(pool),
        objective=objective,
    )
    assert objective.loss_calls == objective.after_step_calls == list(range(12))
    assert "prefer" in losses
    images = torch.stack([pool[i]["image"] for i in range(len(pool))])
    assert (predict(model, images).argmax(1) == 4).float().mean() > 0.5


class _ForwardOnBrightViews:
    """An objective whose forward pass sees images far from anything evaluated."""

    def __init__(self, forward: bool) -> None:
        self.forward = forward

    def loss(self, model, source_batch, target_batch, iteration):
        if not self.forward:
            return torch.zeros(()), {}
        return 0.0 * model(target_batch["image"] * 5 + 10).mean(), {}

    def after_step(self, model, iteration):
        pass


def test_objective_views_leave_batch_norm_statistics_to_the_real_images(demo: Path) -> None:
    running = []
    for forward in (False, True):
        torch.manual_seed(0)
        model = build_segmenter(NUM_CLASSES)
        train_segmenter(
            model,
            TrainConfig(iterations=3, adversarial_weight=0.0),
            _batches(_dataset(demo, "source/train")),
            target_unlabelled=_batches(_dataset(demo, "target/train", labelled=False)),
            objective=_ForwardOnBrightViews(forward),
        )
        running.append({k: v for k, v in model.state_dict().items() if "running" in k})
    assert running[0]
    for name, value in running[0].items():
        torch.testing.assert_close(running[1][name], value, msg=name)


# --- selector -------------------------------------------------------------------------------


def test_discrepancy_gradient_reaches_the_heads_only() -> None:
    selector = build_selector(build_segmenter(NUM_CLASSES))
    images = torch.rand(2, 3, 32, 48)
    features = selector.encode(images)
    (-head_discrepancy(selector, features, images.shape[-2:])).backward()
    assert all(p.grad is None for p in selector.encoder.parameters())
    assert selector.head1.classifier.weight.grad.abs().sum() > 0
    assert selector.head2.classifier.weight.grad.abs().sum() > 0


def test_pseudo_labels_keep_confident_pixels_and_let_humans_override() -> None:
    class Fixed(torch.nn.Module):
        def __init__(self, logits: torch.Tensor) -> None:
            super().__init__()
            self.logits = torch.nn.Parameter(logits)

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            return self.logits.expand(images.shape[0], -1, -1, -1)

    # pixel 0: confident class 1; pixel 1: unsure; pixel 2: confident class 0, human says 2
    logits = torch.tensor([[0.0, 9.0], [0.0, 0.5], [9.0, 0.0]]).T.reshape(1, 2, 1, 3)
    human = torch.tensor([[[255, 255, 2]]])
    labels = pseudo_labels(Fixed(logits), torch.zeros(1, 3, 1, 3), human, threshold=0.9)
    assert labels.tolist() == [[[1, 255, 2]]]


def test_selector_heads_learn_to_disagree_on_the_target(demo: Path, source_run: dict) -> None:
    teacher = source_run["model"]
    source = _dataset(demo, "source/train")
    pool = _dataset(demo, "target/train", labelled=False)
    images = torch.stack([pool[i]["image"] for i in range(len(pool))])

    def disagreement(weight: float) -> tuple[float, float]:
        torch.manual_seed(0)
        selector = build_selector(teacher)
        cfg = TrainConfig(iterations=30, lr=1e-2, discrepancy_weight=weight)
        train_selector(selector, teacher, cfg, _batches(source, 2), None, _batches(pool, 2))
        prob1, prob2, features = predict_selector(selector, images)
        assert features.shape[:2] == (len(pool), 176)
        inconsistent = (prob1.argmax(1) != prob2.argmax(1)).float().mean().item()
        return (prob1 - prob2).abs().mean().item(), inconsistent

    pushed_apart, inconsistent = disagreement(1.0)
    left_alone, inconsistent_anyway = disagreement(0.0)
    assert pushed_apart > 1.5 * left_alone
    assert inconsistent_anyway < inconsistent < 0.5  # apart on some pixels, not everywhere


def test_heads_only_selector_training_leaves_the_encoder_as_a_was(
    demo: Path, source_run: dict
) -> None:
    teacher = source_run["model"]
    source = _dataset(demo, "source/train")
    pool = _dataset(demo, "target/train", labelled=False)

    def trained(heads_only: bool) -> torch.nn.Module:
        torch.manual_seed(0)
        selector = build_selector(teacher)
        cfg = TrainConfig(iterations=3, lr=1e-2, selector_heads_only=heads_only)
        train_selector(selector, teacher, cfg, _batches(source, 2), None, _batches(pool, 2))
        return selector

    def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
        return all(
            torch.equal(x, y)
            for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True)
        )

    heads_only, everything = trained(True), trained(False)
    assert same(heads_only.encoder, teacher.encoder)  # running statistics included
    assert not same(heads_only.head1, teacher.head)
    assert not same(everything.encoder, teacher.encoder)


def test_sgd_backbones_learn_at_a_tenth_of_the_rate_after_a_linear_warm_up() -> None:
    model = build_segmenter(NUM_CLASSES)
    cfg = TrainConfig(iterations=100, optimizer="sgd", lr=1e-3, warmup_fraction=0.1)
    optimizer = make_optimizer(model, cfg)
    backbone = {id(p) for p in model.backbone_parameters()}
    rates = []
    for iteration in (0, 9, 10, 55, 99):
        schedule_lr(optimizer, cfg, iteration)
        by_part = {
            "backbone" if id(g["params"][0]) in backbone else "new": g["lr"]
            for g in optimizer.param_groups
        }
        assert by_part["backbone"] == pytest.approx(0.1 * by_part["new"])
        rates.append(by_part["new"])
    assert rates[0] == pytest.approx(1e-3 / 11)  # warm-up starts low ...
    assert rates[1] == pytest.approx(1e-3 * 10 / 11)
    assert rates[2] == pytest.approx(1e-3)  # ... peaks after it, then decays
    assert rates[2] > rates[3] > rates[4] > 0
    assert len(optimizer.param_groups) == 2
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))


def test_adamw_trains_backbone_and_new_layers_at_one_rate() -> None:
    optimizer = make_optimizer(build_segmenter(NUM_CLASSES), TrainConfig(lr=1e-3))
    schedule_lr(optimizer, TrainConfig(lr=1e-3, iterations=100), 50)
    assert isinstance(optimizer, torch.optim.AdamW)
    assert len({g["lr"] for g in optimizer.param_groups}) == 1
