"""worker.ml.training on the tiny demo dataset: segmenter A (source training, resuming,
adaptation and self-training objectives), selector B (its heads' discrepancy, pseudo-labels)
and the optimiser's rates. A's tests and B's share one trained source model (source_run)."""

import io
from pathlib import Path

import pytest
import torch

from tests.unit.training_helpers import _batches, _dataset, _items, _read
from worker.ml.data import Augment, SegmentationDataset
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


def test_unlabelled_batches_are_read_only_when_a_loss_needs_them(demo: Path) -> None:
    drawn = []

    def counted():
        for batch in _batches(_dataset(demo, "target/train", labelled=False)):
            drawn.append(batch)
            yield batch

    source = _batches(_dataset(demo, "source/train"))
    model = build_segmenter(NUM_CLASSES)
    train_segmenter(
        model, TrainConfig(iterations=2, adversarial_weight=0.0), source, None, counted()
    )
    assert drawn == []  # no adversarial loss, no objective: nothing reads them
    train_segmenter(
        model, TrainConfig(iterations=2, adversarial_weight=0.001), source, None, counted()
    )
    assert len(drawn) == 2


def test_labelled_target_alone_trains_without_source_batches(demo: Path) -> None:
    model = build_segmenter(NUM_CLASSES)
    classifier = model.head.classifier.weight.detach().clone()
    losses = train_segmenter(
        model,
        TrainConfig(iterations=2, adversarial_weight=0.0),
        None,
        target_labelled=_batches(_dataset(demo, "target/train")),
    )
    assert set(losses) == {"target_ce", "total"}
    assert losses["target_ce"] > 0
    assert not torch.equal(model.head.classifier.weight, classifier)
    with pytest.raises(ValueError, match="labelled target"):
        train_segmenter(model, TrainConfig(iterations=1), None)
    target = _batches(_dataset(demo, "target/train"))
    with pytest.raises(ValueError, match="objectives .* pass source batches"):
        train_segmenter(model, TrainConfig(iterations=1), None, target, objective=_PreferClass(0))
    with pytest.raises(ValueError, match="adversarial .* pass source batches"):
        unlabelled = _batches(_dataset(demo, "target/train", labelled=False))
        train_segmenter(model, TrainConfig(iterations=1), None, target, unlabelled)


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
    # Apart on some pixels, not everywhere: two unrelated heads over the demo's classes would
    # disagree on most pixels. (Measured: 0.18 left alone, 0.55 pushed apart.)
    assert inconsistent_anyway < inconsistent < 0.75


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
