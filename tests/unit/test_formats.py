"""Every dataset format round-trips: what an export writes, the same format's import reads back
as the same labels. Plus golden values from the formats' own references (the Cityscapes label
table, label-studio-converter's RLE bytes, pycocotools' masks)."""

import io
import json
import zipfile
from pathlib import Path
from typing import get_args

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from backend.formats import FORMATS, cityscapes, reader, writer
from backend.formats.base import ExportItem, ReadOptions, Source, WriteOptions
from backend.formats.labelstudio import decode_rle, encode_rle
from backend.formats.mapping import apply_codes, class_mapping, code_table
from backend.images import IGNORE_INDEX, InvalidInput
from backend.schemas import DatasetFormat

SMALL_CLASSES = [
    {"id": 0, "name": "road", "colour": "#804080"},
    {"id": 1, "name": "car", "colour": "#00008e"},
    {"id": 2, "name": "sky", "colour": "#4682b4"},
    {"id": 3, "name": "person", "colour": "#dc143c"},
]
CAMVID_CLASSES = [{**c} for c in FORMATS["camvid"].CLASSES]
CLASSES_FOR = {
    "cityscapes": cityscapes.CLASSES,
    "gta5": cityscapes.CLASSES,
    "camvid": CAMVID_CLASSES,
}
# The official cityscapesScripts table, written out independently of backend/formats.
CITYSCAPES_TRAIN_IDS = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
    23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
}  # fmt: skip


def _png(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


def _items(classes, rng, sizes=((8, 10), (5, 7), (12, 9))) -> list[ExportItem]:
    """Sparse labels (about half unlabelled) over every class, on random images."""
    ids = [c["id"] for c in classes]
    items = []
    for n, (height, width) in enumerate(sizes):
        labels = rng.choice(ids, size=(height, width)).astype(np.uint8)
        labels[rng.random((height, width)) < 0.5] = IGNORE_INDEX
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        items.append(ExportItem(f"frankfurt_000000_00000{n}", _png(image), ".png", labels))
    return items


def _export(fmt: str, classes, items, tmp: Path, **options) -> Path:
    archive = tmp / f"{fmt}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        assert writer(fmt)(zf, classes, items, WriteOptions(**options)) == len(items)
    folder = tmp / fmt
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(folder)
    return folder


def _read_labels(source: Source, project_classes, class_map=None) -> dict[str, np.ndarray]:
    table = code_table(source, class_mapping(source.classes, project_classes, class_map))
    labels = {}
    for sample in source.samples:
        mapped, unknown = apply_codes(sample.load_label(), table)
        assert unknown == {}
        labels[sample.name] = mapped
    return labels


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_then_import_gives_the_same_labels_and_images(fmt, tmp_path):
    classes = CLASSES_FOR.get(fmt, SMALL_CLASSES)
    items = _items(classes, np.random.default_rng(0))
    folder = _export(fmt, classes, items, tmp_path)

    source = reader(fmt)(folder, ReadOptions())
    assert source.skipped == []
    read_back = _read_labels(source, classes)
    assert sorted(read_back) == sorted(item.name for item in items)
    for item in items:
        np.testing.assert_array_equal(read_back[item.name], item.labels, err_msg=item.name)
        sample = next(s for s in source.samples if s.name == item.name)
        pixels = np.asarray(Image.open(sample.image).convert("RGB"))
        np.testing.assert_array_equal(pixels, np.asarray(Image.open(io.BytesIO(item.image))))


def test_the_api_offers_exactly_the_registered_formats():
    assert set(get_args(DatasetFormat)) == set(FORMATS)


def test_cityscapes_label_ids_read_through_the_official_train_id_table(tmp_path):
    label_ids = np.arange(34, dtype=np.uint8).reshape(2, 17)
    city = "leftImg8bit/train/aachen", "gtFine/train/aachen"
    for directory in city:
        (tmp_path / directory).mkdir(parents=True)
    image = np.zeros((2, 17, 3), dtype=np.uint8)
    (tmp_path / city[0] / "aachen_000000_000019_leftImg8bit.png").write_bytes(_png(image))
    (tmp_path / city[1] / "aachen_000000_000019_gtFine_labelIds.png").write_bytes(_png(label_ids))
    (tmp_path / city[1] / "aachen_000000_000019_gtFine_color.png").write_bytes(_png(image))

    source = reader("cityscapes")(tmp_path, ReadOptions())
    labels = _read_labels(source, cityscapes.CLASSES)["aachen_000000_000019"]
    expected = np.array([CITYSCAPES_TRAIN_IDS.get(i, IGNORE_INDEX) for i in range(34)]).reshape(
        2, 17
    )
    np.testing.assert_array_equal(labels, expected)
    assert [c["name"] for c in source.classes][:3] == ["road", "sidewalk", "building"]


def test_cityscapes_export_writes_label_ids_and_unlabelled_as_zero(tmp_path):
    labels = np.array([[0, 13, 18, IGNORE_INDEX]], dtype=np.uint8)
    item = ExportItem("x", _png(np.zeros((1, 4, 3), np.uint8)), ".png", labels)
    folder = _export("cityscapes", cityscapes.CLASSES, [item], tmp_path)
    written = np.asarray(Image.open(folder / "gtFine/train/segloop/x_gtFine_labelIds.png"))
    np.testing.assert_array_equal(written, [[7, 26, 33, 0]])


def test_fixed_class_formats_refuse_projects_with_other_classes(tmp_path):
    item = _items(SMALL_CLASSES, np.random.default_rng(1))[0]
    with pytest.raises(InvalidInput, match="not found: person"):
        _export("cityscapes", [*SMALL_CLASSES[:3], {"id": 3, "name": "person?x"}], [item], tmp_path)


def test_label_studio_rle_is_byte_identical_to_label_studio_converter():
    mask = np.zeros((4, 6), dtype=bool)
    mask[1:3, 2:5] = True
    mask[0, 0] = True
    # label_studio_converter.brush.mask2rle(mask * 255), version 0.0.59.
    golden = [0, 0, 0, 96, 57, 27, 252, 127, 248, 108, 2, 223, 253, 176, 11, 127, 248, 108, 0]
    assert encode_rle(mask) == golden
    np.testing.assert_array_equal(decode_rle(golden, 4, 6, "golden"), mask)


def test_label_studio_rle_round_trips_long_runs_and_rejects_wrong_sizes():
    mask = np.zeros((300, 300), dtype=bool)
    mask[100:] = True  # a run of 4 * 60000 values: several 2^16 chunks
    mask[5, 7] = True
    rle = encode_rle(mask)
    np.testing.assert_array_equal(decode_rle(rle, 300, 300, "t"), mask)
    with pytest.raises(InvalidInput, match="not 1440000"):
        decode_rle(rle, 600, 600, "t")
    with pytest.raises(InvalidInput, match="ends early"):
        decode_rle(rle[:10], 300, 300, "t")


def test_coco_masks_are_pycocotools_rle_and_polygons_import_too(tmp_path):
    items = _items(SMALL_CLASSES, np.random.default_rng(2), sizes=((6, 8),))
    folder = _export("coco", SMALL_CLASSES, items, tmp_path)
    data = json.loads((folder / "annotations.json").read_text())
    assert [c["id"] for c in data["categories"]] == [1, 2, 3, 4]
    for annotation in data["annotations"]:
        mask = mask_utils.decode(annotation["segmentation"]).astype(bool)
        class_id = annotation["category_id"] - 1
        np.testing.assert_array_equal(mask, items[0].labels == class_id)
        assert annotation["area"] == mask.sum()

    data["annotations"] = [
        {"id": 1, "image_id": 1, "category_id": 3, "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]}
    ]
    (folder / "annotations.json").write_text(json.dumps(data))
    labels = _read_labels(reader("coco")(folder, ReadOptions()), SMALL_CLASSES)
    painted = next(iter(labels.values()))
    assert set(np.unique(painted[:4, :4]).tolist()) == {2}
    assert (painted[5:, 5:] == IGNORE_INDEX).all()


def test_palette_labels_map_colours_and_report_unknown_ones(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    colours = np.zeros((2, 3, 3), dtype=np.uint8)
    colours[0, 0] = (0x46, 0x82, 0xB4)  # sky
    colours[0, 1] = (1, 2, 3)  # in no palette
    (tmp_path / "images/a.jpg").write_bytes(_png(np.zeros((2, 3, 3), np.uint8)))
    (tmp_path / "labels/a.png").write_bytes(_png(colours))
    (tmp_path / "notes.txt").write_text("not data")
    (tmp_path / "labels/orphan.png").write_bytes(_png(colours))
    source = reader("palette")(tmp_path, ReadOptions(default_classes=SMALL_CLASSES))
    table = code_table(source, class_mapping(source.classes, SMALL_CLASSES, None))
    labels, unknown = apply_codes(source.samples[0].load_label(), table)
    assert labels.tolist() == [
        [2, IGNORE_INDEX, IGNORE_INDEX],
        [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX],
    ]
    assert {source.describe_code(code): n for code, n in unknown.items()} == {"#010203": 1}
    assert [s.file for s in source.skipped] == ["labels/orphan.png"]


def test_camvid_reads_segnet_layout_with_11_as_unlabelled(tmp_path):
    for folder in ("train", "trainannot", "test", "testannot"):
        (tmp_path / folder).mkdir()
    (tmp_path / "train/0001TP_006690.png").write_bytes(_png(np.zeros((1, 3, 3), np.uint8)))
    (tmp_path / "trainannot/0001TP_006690.png").write_bytes(_png(np.array([[0, 10, 11]], np.uint8)))
    source = reader("camvid")(tmp_path, ReadOptions(split="train"))
    labels = _read_labels(source, CAMVID_CLASSES)
    assert labels == {"0001TP_006690": labels["0001TP_006690"]}
    assert labels["0001TP_006690"].tolist() == [[0, 10, IGNORE_INDEX]]
    with pytest.raises(InvalidInput, match="split val/ does not exist"):
        reader("camvid")(tmp_path, ReadOptions(split="val"))


def test_class_mappings_are_explicit_and_validated():
    dataset = [{"id": 0, "name": "Road"}, {"id": 1, "name": "Car"}, {"id": 5, "name": "tree"}]
    assert class_mapping(dataset, SMALL_CLASSES, "by_name") == {0: 0, 1: 1}
    assert class_mapping(dataset, SMALL_CLASSES, {0: 0, 5: 2}) == {0: 0, 5: 2}
    with pytest.raises(InvalidInput, match="no class ids \\[9\\]"):
        class_mapping(dataset, SMALL_CLASSES, {9: 0})
    with pytest.raises(InvalidInput, match="\\[7\\] are not project class ids"):
        class_mapping(dataset, SMALL_CLASSES, {0: 7})
    swapped = [{"id": 0, "name": "car"}, {"id": 1, "name": "road"}]
    with pytest.raises(InvalidInput, match="0 is 'car' here but 'road' in the project"):
        class_mapping(swapped, SMALL_CLASSES, None)


def test_unknown_codes_become_ignore_and_are_counted():
    codes = np.array([[0, 1, 77], [77, 255, 3]])
    labels, unknown = apply_codes(codes, {0: 0, 1: 1, 3: 3, 255: IGNORE_INDEX})
    assert labels.tolist() == [[0, 1, IGNORE_INDEX], [IGNORE_INDEX, IGNORE_INDEX, 3]]
    assert unknown == {77: 2}


def test_a_link_out_of_the_dataset_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(_png(np.zeros((2, 2), np.uint8)))
    root = tmp_path / "data"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "images/a.png").write_bytes(_png(np.zeros((2, 2, 3), np.uint8)))
    (root / "labels/a.png").symlink_to(secret)
    source = reader("generic")(root, ReadOptions())
    with pytest.raises(InvalidInput, match="links outside the dataset folder"):
        source.samples[0].load_label()
