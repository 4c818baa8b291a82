import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from worker.ml.synthetic import (
    DEMO_CLASSES,
    ROAD,
    SIDEWALK,
    SOURCE,
    TARGET,
    generate_demo_dataset,
    render_scene,
)

SPLITS = {"source/train": 6, "target/train": 5, "target/val": 3}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_demo_dataset(
        tmp_path_factory.mktemp("demo"), seed=3, size=(96, 64), n_source=6, n_pool=5, n_val=3
    )


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.*"))}


def _labels(root: Path, split: str) -> np.ndarray:
    return np.stack(
        [np.asarray(Image.open(p)) for p in sorted((root / split / "labels").iterdir())]
    )


def test_layout_is_the_generic_import_format(demo: Path) -> None:
    meta = json.loads((demo / "classes.json").read_text())
    assert meta == {"classes": DEMO_CLASSES, "ignore_index": 255}
    for split, count in SPLITS.items():
        images = sorted(p.stem for p in (demo / split / "images").iterdir())
        labels = sorted(p.stem for p in (demo / split / "labels").iterdir())
        assert len(images) == count
        assert images == labels
        image = Image.open(next((demo / split / "images").iterdir()))
        label = Image.open(next((demo / split / "labels").iterdir()))
        assert (image.mode, image.size) == ("RGB", (96, 64))
        assert (label.mode, label.size) == ("L", (96, 64))


def test_labels_hold_class_ids_and_ignore_only(demo: Path) -> None:
    ids = {c["id"] for c in DEMO_CLASSES}
    for split in SPLITS:
        values = set(np.unique(_labels(demo, split)).tolist())
        assert values <= ids | {255}
    assert set(np.unique(_labels(demo, "source/train")).tolist()) >= ids


def test_source_has_a_few_ignore_pixels(demo: Path) -> None:
    ignore = (_labels(demo, "source/train") == 255).mean()
    assert 0 < ignore < 0.05


def test_same_seed_same_bytes_other_seed_other_scenes(tmp_path: Path) -> None:
    kwargs = {"size": (64, 48), "n_source": 2, "n_pool": 2, "n_val": 1}
    a = _files(generate_demo_dataset(tmp_path / "a", seed=7, **kwargs))
    b = _files(generate_demo_dataset(tmp_path / "b", seed=7, **kwargs))
    c = _files(generate_demo_dataset(tmp_path / "c", seed=8, **kwargs))
    assert a == b
    assert a.keys() == c.keys()
    assert a["source/train/images/source_0000.png"] != c["source/train/images/source_0000.png"]


def test_target_sidewalk_looks_like_source_road() -> None:
    """The shift misleads colour cues; a mere brightness change would be too easy to adapt to."""

    def class_colour(domain, cls: int) -> np.ndarray:
        rng = np.random.default_rng(0)
        pixels = []
        for _ in range(8):
            image, label = render_scene(domain, rng, (96, 64))
            pixels.append(np.asarray(image, dtype=float)[np.asarray(label) == cls])
        return np.concatenate(pixels).mean(0)

    target_sidewalk = class_colour(TARGET, SIDEWALK)
    to_source_road = np.linalg.norm(target_sidewalk - class_colour(SOURCE, ROAD))
    to_source_sidewalk = np.linalg.norm(target_sidewalk - class_colour(SOURCE, SIDEWALK))
    assert to_source_road < to_source_sidewalk / 2


def test_target_is_darker_noisier_and_lower_contrast(demo: Path) -> None:
    def stats(split: str) -> tuple[float, float]:
        images = [
            np.asarray(Image.open(p), dtype=float) for p in (demo / split / "images").iterdir()
        ]
        grey = np.stack(images).mean(-1)
        return grey.mean(), grey.std()

    source_mean, source_std = stats("source/train")
    target_mean, target_std = stats("target/val")
    assert target_mean < 0.8 * source_mean
    assert target_std < source_std


def test_importable_without_torch() -> None:
    code = "import sys, worker.ml.synthetic; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
