"""Distribution alignment: the prior from the starting model, the rescaling, DACS using it."""

from __future__ import annotations

import copy

import pytest
import torch

from tests.unit.objective_helpers import TinySeg, build_objective, random_pool, run_round
from worker.ml.adaptation.distribution_alignment import DistributionAlignment, mean_prediction

torch.set_num_threads(1)


def test_prior_is_the_models_mean_prediction_over_the_pool() -> None:
    torch.manual_seed(0)
    model = TinySeg().train()
    pool = random_pool(5, num_classes=3)
    prior = mean_prediction(model, pool, torch.device("cpu"))
    assert model.training  # handed back in the mode it came in
    model.eval()
    with torch.no_grad():
        expected = torch.cat([model(item["image"][None]) for item in pool]).softmax(1)
    assert torch.allclose(prior, expected.mean(dim=(0, 2, 3)), atol=1e-6)


def test_prior_needs_a_pool() -> None:
    with pytest.raises(ValueError, match="non-empty target pool"):
        mean_prediction(TinySeg(), [], torch.device("cpu"))


def test_a_class_predicted_more_than_its_prior_loses_its_close_calls() -> None:
    """The prior says half class 0, half class 1; the teacher now calls 0.55 class 1 on every
    pixel. Once the running mean has seen that, class 1's share is scaled down below 0.5."""
    alignment = DistributionAlignment(torch.tensor([0.5, 0.5]), momentum=0.0)
    drifted = torch.tensor([0.45, 0.55])[None, :, None, None].expand(1, 2, 2, 2)
    aligned = alignment(drifted)
    assert torch.allclose(aligned.sum(dim=1), torch.ones(1, 2, 2))
    assert (aligned.argmax(dim=1) == 0).all()
    assert torch.allclose(alignment.running, torch.tensor([0.45, 0.55]))


def test_probabilities_at_the_prior_pass_unchanged() -> None:
    prior = torch.tensor([0.2, 0.3, 0.5])
    alignment = DistributionAlignment(prior, momentum=0.99)
    prob = prior[None, :, None, None].expand(2, 3, 4, 4)
    assert torch.allclose(alignment(prob), prob)


def test_dacs_aligned_teacher_and_its_state_round_trip() -> None:
    torch.manual_seed(0)
    model = TinySeg()
    objective = build_objective("dacs", {"align_classes": 1}, num_classes=3)
    run_round(objective, model, num_classes=3, iterations=3)
    alignment = objective.alignment
    assert alignment is not None
    assert torch.allclose(alignment.prior.sum(), torch.tensor(1.0))
    assert not torch.equal(alignment.running, alignment.prior)  # three batches were seen
    state = copy.deepcopy(objective.state_dict())
    resumed = build_objective("dacs", {"align_classes": 1}, num_classes=3)
    resumed.load_state_dict(state)  # a resumed round loads before prepare
    resumed.prepare(model, [], "cpu")  # and needs no pool: the prior comes with the state
    assert resumed.alignment is not None
    assert torch.equal(resumed.alignment.running, alignment.running)
    assert torch.equal(resumed.alignment.prior, alignment.prior)


def test_dacs_aligns_its_pseudo_labels(monkeypatch) -> None:
    """The teacher's close call between two classes follows the alignment, not the raw argmax."""
    model = TinySeg().eval()
    config = {"align_classes": 1, "pseudo_threshold": 0.0, "jitter_p": 0.0, "blur_p": 0.0}
    objective = build_objective("dacs", config, num_classes=2)
    objective.prepare(model, random_pool(2, num_classes=2), "cpu")
    # the teacher already predicts class 1 more often (60 %) than the round started with (50 %)
    objective.alignment = DistributionAlignment(torch.tensor([0.5, 0.5]), momentum=1.0)
    objective.alignment.running = torch.tensor([0.4, 0.6])
    monkeypatch.setattr(
        "worker.ml.adaptation.dacs.class_mix_mask", lambda y, ignore: torch.zeros_like(y).bool()
    )
    logits = torch.zeros(1, 2, 4, 4)
    logits[:, 1] = 6.0  # class 1 everywhere, confidently (0.998)
    logits[:, 1, 0, 0] = 0.3  # but one close call (0.57)
    monkeypatch.setattr(objective, "_teacher", lambda x: logits)
    seen = {}

    def record(prediction, label, **kwargs):
        seen["label"] = label
        return torch.zeros_like(label, dtype=torch.float)

    monkeypatch.setattr("worker.ml.adaptation.dacs.F.cross_entropy", record)
    target = {"image": torch.rand(1, 3, 4, 4), "label": torch.full((1, 4, 4), 255)}
    source = {"image": torch.rand(1, 3, 4, 4), "label": torch.zeros(1, 4, 4, dtype=torch.long)}
    objective.loss(model, source, target, 0)
    expected = torch.ones(4, 4, dtype=torch.long)
    expected[0, 0] = 0
    assert torch.equal(seen["label"][0], expected)
