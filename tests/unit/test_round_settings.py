"""The typed round settings: one list of methods for the API and the worker, old rounds load."""

from backend.round_settings import Optimizer, RoundSettings, SelectionMethod
from worker.ml import selection

OLD_SNAPSHOT = {
    "selection_method": "ppl",
    "objective": "none",
    "objective_config": {},
    "points_per_image": 40,
    "pixel_budget": 0.022,
    "images_per_round": 10,
    "model": {"backbone": "resnet18", "iterations": 100, "image_size": [96, 128]},
}


def test_the_api_offers_exactly_the_selection_methods_the_worker_implements():
    assert {m.value for m in SelectionMethod} == set(selection.METHODS)
    assert {m for m in SelectionMethod if m.uses_selector} == {
        "ppl",
        "ppl_spread",
        "spl",
        "spl_spread",
        "spl_plus_random",
        "spl_plus_balanced",
    }


def test_a_round_snapshotted_before_the_optimizer_setting_resumes_with_sgd():
    settings = RoundSettings.model_validate(OLD_SNAPSHOT)
    assert settings.model.optimizer == Optimizer.sgd
    assert settings.model.image_size == (96, 128)
    assert settings.model.output_stride == 16  # the default it was trained with
    new = {**OLD_SNAPSHOT, "model": {**OLD_SNAPSHOT["model"], "optimizer": "adamw"}}
    assert RoundSettings.model_validate(new).model.optimizer == Optimizer.adamw
