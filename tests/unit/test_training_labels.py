"""The prepare stage's training label maps: an audit pixel is blank in them whatever a training
answer says there (selection never asks for one, but the guarantee must not rest on that)."""

from backend.images import IGNORE_INDEX
from backend.models import Annotation, Image
from backend.storage import LocalStorage
from worker.pipeline.stages import training_labels


def test_an_audit_pixel_is_blank_in_the_training_map_even_when_a_training_answer_labels_it(
    tmp_path,
):
    image = Image(width=6, height=4)
    earlier = Annotation(labels=[{"x": 1, "y": 1, "class_id": 2}], label_key=None)
    later = Annotation(
        labels=[{"x": 1, "y": 1, "class_id": 3}, {"x": 4, "y": 2, "class_id": 1}], label_key=None
    )
    storage = LocalStorage(tmp_path)
    labels = training_labels(storage, [earlier, later], image, audit_pixels=[[4, 2], [0, 0]])
    assert labels.shape == (4, 6)
    assert labels[1, 1] == 3, "a later answer wins"
    assert labels[2, 4] == IGNORE_INDEX, "the audit pixel stays blank"
    assert int((labels != IGNORE_INDEX).sum()) == 1
