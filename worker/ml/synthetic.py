"""Procedural street scenes with a real domain shift, for the demo and the tests.

The source domain is a clean daylight render with flat colours. The target domain is the same
kind of street at dusk through another camera: another palette and colour cast, lower contrast,
sensor noise, blur, a different pitch with the bonnet in view, wider sidewalks, more traffic.
Colour cues learnt on the source point to the wrong class on the target (dusk sidewalks look like
daylight road, an orange sky like brick), so source-only models degrade, and a few hundred
labelled target pixels recover much of the gap: the situation LabOR is made for.

numpy and Pillow only: the CLI calls this in a process that must not import torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROAD, SIDEWALK, BUILDING, VEGETATION, SKY, CAR = range(6)
IGNORE_INDEX = 255

DEMO_CLASSES: list[dict] = [
    {"id": ROAD, "name": "road", "colour": "#804080"},
    {"id": SIDEWALK, "name": "sidewalk", "colour": "#f423e8"},
    {"id": BUILDING, "name": "building", "colour": "#464646"},
    {"id": VEGETATION, "name": "vegetation", "colour": "#6b8e23"},
    {"id": SKY, "name": "sky", "colour": "#4682b4"},
    {"id": CAR, "name": "car", "colour": "#00008e"},
]

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Domain:
    """How a domain renders: scene proportions, palette and camera."""

    horizon: tuple[float, float]  # fraction of the height
    road_half_width: tuple[float, float]  # at the bottom row, fraction of the width
    sidewalk_width: tuple[float, float]
    cars: tuple[int, int]
    trees: tuple[int, int]
    sky_top: RGB
    sky_horizon: RGB
    road: RGB
    sidewalk: RGB
    buildings: tuple[RGB, ...]
    windows: RGB
    vegetation: RGB
    car_colours: tuple[RGB, ...]
    pole: RGB
    dusk: bool  # dark trunks and glass, lit cars, strong vignetting
    bonnet: bool
    contrast: float
    cast: tuple[float, float, float]
    noise: float
    blur: float
    jitter: int


SOURCE = Domain(
    horizon=(0.36, 0.48),
    road_half_width=(0.30, 0.42),
    sidewalk_width=(0.08, 0.14),
    cars=(0, 3),
    trees=(1, 4),
    sky_top=(90, 150, 230),
    sky_horizon=(170, 205, 240),
    road=(105, 105, 112),
    sidewalk=(195, 180, 150),
    buildings=((160, 95, 70), (185, 120, 85), (140, 80, 65), (200, 170, 130)),
    windows=(50, 60, 80),
    vegetation=(70, 150, 50),
    car_colours=((200, 30, 30), (30, 60, 180), (230, 230, 230), (30, 30, 30), (230, 200, 40)),
    pole=(90, 90, 90),
    dusk=False,
    bonnet=False,
    contrast=1.0,
    cast=(1.0, 1.0, 1.0),
    noise=3.0,
    blur=0.0,
    jitter=12,
)

TARGET = Domain(
    horizon=(0.46, 0.58),
    road_half_width=(0.26, 0.36),
    sidewalk_width=(0.16, 0.26),
    cars=(2, 6),
    trees=(2, 5),
    sky_top=(70, 85, 150),
    sky_horizon=(235, 140, 75),
    road=(55, 58, 72),
    sidewalk=(112, 110, 112),
    buildings=((90, 95, 115), (110, 110, 125), (75, 80, 100)),
    windows=(240, 200, 110),
    vegetation=(45, 85, 45),
    car_colours=((120, 20, 25), (25, 35, 80), (170, 170, 175), (20, 20, 25), (160, 130, 30)),
    pole=(40, 40, 45),
    dusk=True,
    bonnet=True,
    contrast=0.85,
    cast=(1.05, 0.95, 1.0),
    noise=6.0,
    blur=0.6,
    jitter=18,
)


class _Canvas:
    """An RGB image and its label map, drawn together so they always agree."""

    def __init__(self, width: int, height: int, rng: np.random.Generator, domain: Domain) -> None:
        self.width, self.height = width, height
        self.rng, self.domain = rng, domain
        self.image = Image.new("RGB", (width, height))
        self.label = Image.new("L", (width, height), SKY)
        self._image_draw = ImageDraw.Draw(self.image)
        self._label_draw = ImageDraw.Draw(self.label)

    def colour(self, base: RGB, jitter: int | None = None) -> RGB:
        spread = self.domain.jitter if jitter is None else jitter
        shift = self.rng.integers(-spread, spread + 1, size=3)
        red, green, blue = (int(v) for v in np.clip(np.asarray(base) + shift, 0, 255))
        return red, green, blue

    def polygon(self, points: list[tuple[float, float]], colour: RGB, cls: int) -> None:
        self._image_draw.polygon(points, fill=colour)
        self._label_draw.polygon(points, fill=cls)

    def rectangle(self, box: tuple[float, float, float, float], colour: RGB, cls: int) -> None:
        self._image_draw.rectangle(box, fill=colour)
        self._label_draw.rectangle(box, fill=cls)

    def ellipse(self, box: tuple[float, float, float, float], colour: RGB, cls: int) -> None:
        self._image_draw.ellipse(box, fill=colour)
        self._label_draw.ellipse(box, fill=cls)

    def paint(self, box: tuple[float, float, float, float], colour: RGB) -> None:
        """Texture inside an object: changes the image, not the label."""
        self._image_draw.rectangle(box, fill=colour)

    def line(self, points: list[tuple[float, float]], colour: RGB, width: int) -> None:
        self._image_draw.line(points, fill=colour, width=width)


def _sky(canvas: _Canvas, horizon: float) -> None:
    d = canvas.domain
    rows = np.clip(np.arange(canvas.height) / max(horizon, 1.0), 0.0, 1.0)[:, None]
    gradient = (1 - rows) * np.asarray(d.sky_top) + rows * np.asarray(d.sky_horizon)
    sky = np.broadcast_to(gradient[:, None, :], (canvas.height, canvas.width, 3))
    canvas.image.paste(Image.fromarray(sky.astype(np.uint8)))


def _skyline(canvas: _Canvas, horizon: float) -> None:
    """Distant buildings standing on the horizon, with rows of windows."""
    d, rng, w, h = canvas.domain, canvas.rng, canvas.width, canvas.height
    x = -rng.uniform(0, 0.1) * w
    while x < w:
        width = rng.uniform(0.12, 0.3) * w
        top = horizon - rng.uniform(0.08, 0.3) * h
        canvas.rectangle(
            (x, top, x + width, horizon + 1), canvas.colour(_pick(rng, d.buildings)), BUILDING
        )
        windows = canvas.colour(d.windows, 10)
        for wy in np.arange(top + 3, horizon - 3, 5):
            for wx in np.arange(x + 2, x + width - 3, 5):
                if rng.random() < 0.7:
                    canvas.paint((wx, wy, wx + 2, wy + 2), windows)
        x += width + rng.uniform(-0.02, 0.06) * w


def _pick(rng: np.random.Generator, options: tuple[RGB, ...]) -> RGB:
    return options[int(rng.integers(len(options)))]


def _street(canvas: _Canvas, horizon: float, vanish_x: float) -> tuple[float, float]:
    """Facades or hedges on both sides, sidewalks, the road and its markings, in perspective."""
    d, rng, w, h = canvas.domain, canvas.rng, canvas.width, canvas.height
    road = rng.uniform(*d.road_half_width) * w
    sidewalk = rng.uniform(*d.sidewalk_width) * w
    vp = (vanish_x, horizon)
    for side in (-1, 1):
        edge_x = 0 if side < 0 else w - 1
        outer = vanish_x + side * (road + sidewalk)
        if rng.random() < 0.75:
            top = horizon - rng.uniform(0.25, 0.5) * h
            facade = [(edge_x, top), vp, (outer, h), (edge_x, h)]
            canvas.polygon(facade, canvas.colour(_pick(rng, d.buildings)), BUILDING)
            floors = canvas.colour(d.windows, 10)
            for frac in np.linspace(0.15, 0.85, int(rng.integers(3, 6))):
                y = top + frac * (h - top)
                canvas.line([(edge_x, y), vp], floors, 1)
        else:
            hedge_top = horizon - rng.uniform(0.03, 0.1) * h
            hedge = [(edge_x, hedge_top), (vanish_x, horizon - 1), (outer, h), (edge_x, h)]
            canvas.polygon(hedge, canvas.colour(d.vegetation), VEGETATION)
        canvas.polygon(
            [(outer, h), vp, (vanish_x + side * road, h)], canvas.colour(d.sidewalk), SIDEWALK
        )
    canvas.polygon([(vanish_x - road, h), vp, (vanish_x + road, h)], canvas.colour(d.road), ROAD)
    marking = canvas.colour((220, 220, 210), 10)
    depth = 0.1
    while depth < 1:
        y0, y1 = horizon + depth * (h - horizon), horizon + (depth + 0.08) * (h - horizon)
        canvas.line([(vanish_x, y0), (vanish_x, y1)], marking, max(1, int(depth * 3)))
        depth *= 1.6
    return road, sidewalk


def _roadside(
    canvas: _Canvas, horizon: float, vanish_x: float, road: float, sidewalk: float
) -> None:
    """Trees and poles (poles are unlabelled: the ignore pixels of the ground truth)."""
    d, rng, h = canvas.domain, canvas.rng, canvas.height
    objects = [("tree", t) for t in rng.uniform(0.15, 0.9, int(rng.integers(*d.trees)))]
    objects += [("pole", t) for t in rng.uniform(0.2, 0.9, int(rng.integers(0, 3)))]
    for kind, depth in sorted(objects, key=lambda o: o[1]):
        side = -1 if rng.random() < 0.5 else 1
        base_y = horizon + depth * (h - horizon)
        x = vanish_x + side * (road + rng.uniform(0.3, 0.8) * sidewalk) * depth
        scale = depth * h / 40
        if kind == "pole":
            pole_top = base_y - 18 * scale
            canvas.rectangle(
                (x - 0.6 * scale, pole_top, x + 0.6 * scale, base_y), d.pole, IGNORE_INDEX
            )
            canvas.rectangle(
                (x - 2.5 * scale, pole_top, x + 2.5 * scale, pole_top + 3 * scale),
                d.pole,
                IGNORE_INDEX,
            )
            continue
        trunk = canvas.colour((80, 60, 40) if not d.dusk else (35, 30, 28))
        canvas.rectangle((x - scale, base_y - 10 * scale, x + scale, base_y), trunk, VEGETATION)
        radius = rng.uniform(5, 8) * scale
        centre_y = base_y - 10 * scale - 0.7 * radius
        canopy = canvas.colour(d.vegetation)
        canvas.ellipse(
            (x - radius, centre_y - radius, x + radius, centre_y + radius), canopy, VEGETATION
        )
        for _ in range(4):
            bx, by = rng.uniform(-0.6, 0.6, size=2) * radius
            r = 0.35 * radius
            leaf = canvas.colour(d.vegetation, 25)
            canvas.ellipse(
                (x + bx - r, centre_y + by - r, x + bx + r, centre_y + by + r), leaf, VEGETATION
            )


def _cars(canvas: _Canvas, horizon: float, vanish_x: float, road: float) -> None:
    """Cars in both lanes, drawn far to near so nearer ones occlude."""
    d, rng, h = canvas.domain, canvas.rng, canvas.height
    for depth in sorted(rng.uniform(0.12, 0.95, int(rng.integers(*d.cars)))):
        lane = rng.choice([-0.5, 0.5]) + rng.uniform(-0.1, 0.1)
        bottom = horizon + depth * (h - horizon)
        centre = vanish_x + lane * road * depth
        width = rng.uniform(0.65, 0.85) * road * depth
        height = width * rng.uniform(0.5, 0.7)
        left, right, top = centre - width / 2, centre + width / 2, bottom - height
        body = canvas.colour(_pick(rng, d.car_colours))
        canvas.rectangle((left, top + 0.35 * height, right, bottom - 0.12 * height), body, CAR)
        cabin = [
            (left + 0.12 * width, top + 0.36 * height),
            (left + 0.25 * width, top),
            (right - 0.25 * width, top),
            (right - 0.12 * width, top + 0.36 * height),
        ]
        canvas.polygon(cabin, body, CAR)
        glass = canvas.colour((60, 75, 95) if not d.dusk else (25, 25, 35), 8)
        canvas.paint(
            (left + 0.3 * width, top + 0.08 * height, right - 0.3 * width, top + 0.3 * height),
            glass,
        )
        tyre = (20, 20, 20)
        for wx in (left + 0.1 * width, right - 0.3 * width):
            canvas.ellipse((wx, bottom - 0.25 * height, wx + 0.2 * width, bottom), tyre, CAR)
        if d.dusk:
            lamp = (255, 60, 50) if rng.random() < 0.6 else (255, 240, 200)
            y0, y1 = top + 0.45 * height, top + 0.58 * height
            canvas.paint((left + 0.04 * width, y0, left + 0.18 * width, y1), lamp)
            canvas.paint((right - 0.18 * width, y0, right - 0.04 * width, y1), lamp)


def _bonnet(canvas: _Canvas) -> None:
    """The camera sees the ego car's bonnet: ignore, as in Cityscapes."""
    w, h = canvas.width, canvas.height
    depth = canvas.rng.uniform(0.06, 0.1) * h
    canvas.ellipse(
        (-0.2 * w, h - depth, 1.2 * w, h + depth), canvas.colour((25, 25, 30), 5), IGNORE_INDEX
    )


def _finish(image: Image.Image, domain: Domain, rng: np.random.Generator) -> Image.Image:
    """Camera and lighting: contrast, colour cast, vignetting, noise, blur."""
    pixels = np.asarray(image, dtype=np.float32)
    mean = pixels.mean(axis=(0, 1), keepdims=True)
    pixels = (pixels - mean) * domain.contrast + mean
    pixels *= np.asarray(domain.cast, dtype=np.float32)
    h, w = pixels.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    radius = ((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2
    pixels *= (1 - (0.6 if domain.dusk else 0.15) * radius)[..., None]
    pixels += rng.normal(0, domain.noise, size=pixels.shape)
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if domain.blur > 0:
        out = out.filter(ImageFilter.GaussianBlur(domain.blur))
    return out


def render_scene(
    domain: Domain, rng: np.random.Generator, size: tuple[int, int]
) -> tuple[Image.Image, Image.Image]:
    """One street scene: (RGB image, label map with class ids and 255 = ignore)."""
    width, height = size
    canvas = _Canvas(width, height, rng, domain)
    horizon = rng.uniform(*domain.horizon) * height
    vanish_x = rng.uniform(0.4, 0.6) * width
    _sky(canvas, horizon)
    _skyline(canvas, horizon)
    road, sidewalk = _street(canvas, horizon, vanish_x)
    _roadside(canvas, horizon, vanish_x, road, sidewalk)
    _cars(canvas, horizon, vanish_x, road)
    if domain.bonnet:
        _bonnet(canvas)
    return _finish(canvas.image, domain, rng), canvas.label


def _write_split(
    folder: Path,
    prefix: str,
    domain: Domain,
    seed: int,
    stream: int,
    count: int,
    size: tuple[int, int],
) -> None:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "labels").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        image, label = render_scene(domain, np.random.default_rng([seed, stream, i]), size)
        image.save(folder / "images" / f"{prefix}_{i:04d}.png")
        label.save(folder / "labels" / f"{prefix}_{i:04d}.png")


def generate_demo_dataset(
    root: Path,
    seed: int = 0,
    size: tuple[int, int] = (256, 192),
    n_source: int = 40,
    n_pool: int = 30,
    n_val: int = 12,
) -> Path:
    """Write the demo dataset in the generic layout; the same seed gives the same bytes."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.json").write_text(
        json.dumps({"classes": DEMO_CLASSES, "ignore_index": IGNORE_INDEX}, indent=2)
    )
    _write_split(root / "source" / "train", "source", SOURCE, seed, 0, n_source, size)
    _write_split(root / "target" / "train", "pool", TARGET, seed, 1, n_pool, size)
    _write_split(root / "target" / "val", "val", TARGET, seed, 2, n_val, size)
    return root
