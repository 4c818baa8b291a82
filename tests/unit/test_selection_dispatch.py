"""worker.ml.selection.select: every method by its name, with the inputs it needs, and the
point methods' default spacing."""

import numpy as np
import pytest
import torch

from tests.unit.selection_helpers import class_pair, two_class_pair
from worker.ml import selection as sel

torch.set_num_threads(1)


def test_select_dispatches_and_rejects_unknown_or_missing_inputs():
    disc = torch.zeros(8, 8)
    disc[2:4, 2:4] = 0.5
    p1, p2 = two_class_pair(disc)
    result = sel.select("spl", prob1=p1, prob2=p2, budget_fraction=0.5)
    assert result.kind == "region" and torch.equal(result.mask[0], disc > 0)
    assert torch.equal(result.segments > 0, result.mask)
    ppl = sel.select("ppl", prob1=p1, prob2=p2, features=torch.zeros(1, 2, 4, 4), n_points=2)
    assert ppl.kind == "points" and ppl.mask is None and len(ppl.points[0]) == 1
    points = sel.select("random", prob1=p1, n_points=5, min_distance=2)
    assert points.kind == "points" and len(points.points[0]) == 5
    ripu = sel.select("ripu_region", logits=p1.log(), budget_fraction=0.5)
    assert ripu.kind == "region" and torch.equal(ripu.segments > 0, ripu.mask)
    assert sel.METHODS == sel.POINT_METHODS | sel.REGION_METHODS
    with pytest.raises(ValueError, match="known: .*ppl"):
        sel.select("coreset", prob1=p1)
    with pytest.raises(ValueError, match="features"):
        sel.select("ppl", prob1=p1, prob2=p2)


@pytest.mark.parametrize("method", ["ppl", "random", "entropy", "margin"])
def test_point_methods_spread_their_points_by_default(method):
    """A third of the side of each point's share of the image: 12 px for 40 points here."""
    torch.manual_seed(0)
    p1 = torch.rand(1, 3, 192, 256).softmax(1)
    p2 = torch.rand(1, 3, 192, 256).softmax(1)
    result = sel.select(
        method,
        prob1=p1,
        prob2=p2,
        features=torch.rand(1, 8, 48, 64),
        n_points=40,
        generator=torch.Generator().manual_seed(0),
    )
    points = np.array(result.points[0], dtype=float)
    assert len(points) == 40
    gaps = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    assert gaps[~np.eye(40, dtype=bool)].min() >= sel.point_spacing(192, 256, 40) == 11.7


def test_spl_spread_is_spl_segments_with_spread():
    cls = torch.full((12, 16), -1)
    cls[0:6, 0:8] = 1
    cls[8:12, 0:4] = 2
    p1, p2 = class_pair(cls, 3)
    spread = sel.select("spl_spread", prob1=p1, prob2=p2, budget_fraction=0.125)
    assert spread.kind == "region" and torch.equal(spread.segments > 0, spread.mask)
    assert torch.equal(spread.segments, sel.spl_segments(p1, p2, 0.125, spread=True))
    paper = sel.select("spl", prob1=p1, prob2=p2, budget_fraction=0.125)
    assert not torch.equal(spread.segments > 0, paper.mask)
