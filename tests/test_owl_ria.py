"""RIA and OWL, the two stronger human references (issue 19 item 5), on the tiny random Llama."""

from __future__ import annotations

import math

import pytest
import torch

from harness.core.masks import count_to_prune, select_mask
from harness.core.sparsity import measure, meets_target, prunable_layers
from reference_pruners import METHODS, USES_CALIBRATION, hyperparameters, sparsity_rule
from reference_pruners.owl import LAMBDA, M, outlier_fraction, owl_ratios
from reference_pruners.ria import ria_score
from reference_pruners.wanda import prune as wanda_prune
from reference_pruners.wanda import wanda_score
from test_reference_pruners import prune_with, tiny_llama


@pytest.fixture(scope="module")
def calib():
    return torch.randint(0, 256, (8, 32), generator=torch.Generator().manual_seed(1))


def block_of(name: str) -> int:
    return int(name.split(".layers.")[1].split(".")[0])


# ---------------------------------------------------------------- RIA


def test_ria_score_is_the_formula_by_hand():
    W = torch.tensor([[1.0, -2.0, 0.5, 4.0],
                      [-3.0, 1.0, 2.0, -1.0],
                      [0.25, 0.0, -1.5, 2.0]])
    sq = torch.tensor([4.0, 9.0, 0.25, 16.0])   # ||X_j||_2 = 2, 3, 0.5, 4
    for alpha in (0.5, 1.0):
        got = ria_score(W, sq, alpha)
        assert got.shape == (3, 4) and got.dtype == torch.float32
        for i in range(3):
            row = sum(abs(float(W[i, k])) for k in range(4))
            for j in range(4):
                col = sum(abs(float(W[k, j])) for k in range(3))
                a = abs(float(W[i, j]))
                expected = (a / row + a / col) * math.sqrt(float(sq[j])) ** alpha
                assert float(got[i, j]) == pytest.approx(expected, rel=1e-6), (alpha, i, j)
    assert torch.equal(ria_score(W, sq), ria_score(W, sq, 0.5))   # a = 0.5 by default


def test_ria_score_of_a_zero_row_or_column_is_zero_not_nan():
    W = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, -2.0]])
    s = ria_score(W, torch.ones(3))
    assert not s.isnan().any()
    assert (s[0] == 0).all() and (s[:, 1] == 0).all() and (s[1, [0, 2]] > 0).all()


def test_ria_is_not_wanda_even_with_wanda_activation_term():
    """alpha = 1 gives Wanda's activation factor; the relative terms still change which weights go."""
    torch.manual_seed(0)
    W, sq = torch.randn(32, 48), torch.rand(48) * 10
    for group in ("row", "layer"):
        ria = select_mask(ria_score(W, sq, 1.0), 0.5, "unstructured", group)
        wanda = select_mask(wanda_score(W, sq), 0.5, "unstructured", group)
        assert not torch.equal(ria, wanda), group


def test_ria_orders_as_wanda_when_the_relative_terms_collapse():
    """|W| with equal row sums and equal column sums (a circulant of magnitudes, random signs): the
    relative terms are one constant factor, so at alpha = 1 RIA orders every weight as Wanda does; and
    with a constant |W| both order by ||X_j|| alone, whatever alpha."""
    torch.manual_seed(1)
    n = 16
    mags = torch.rand(n) + 0.1
    circulant = torch.stack([mags.roll(i) for i in range(n)])
    W = circulant * torch.where(torch.rand(n, n) < 0.5, -1.0, 1.0)
    sq = torch.rand(n) * 10 + 0.1
    assert torch.allclose(W.abs().sum(0), W.abs().sum(1))
    ria, wanda = ria_score(W, sq, 1.0), wanda_score(W, sq)
    for group in ("row", "layer"):
        for level in (0.25, 0.5, 0.75):
            assert torch.equal(select_mask(ria, level, "unstructured", group),
                               select_mask(wanda, level, "unstructured", group)), (group, level)
    constant = torch.full((8, n), 0.3) * torch.where(torch.rand(8, n) < 0.5, -1.0, 1.0)
    assert torch.equal(select_mask(ria_score(constant, sq), 0.5, "unstructured", "row"),
                       select_mask(wanda_score(constant, sq), 0.5, "unstructured", "row"))


def test_ria_compares_within_the_layer_by_default(calib):
    """The authors' default (no --per_outneuron): one group per layer, so rows keep different counts but
    the layer has exactly ceil(n * s) zeros; group="row" is their --per_outneuron."""
    weights = prune_with("ria", tiny_llama(), 0.5, calib)
    uneven = 0
    for name, w in weights.items():
        assert int((w == 0).sum()) == count_to_prune(w.numel(), 0.5), name
        uneven += len(set((w == 0).sum(1).tolist())) > 1
    assert uneven == len(weights)


# ---------------------------------------------------------------- OWL


def test_outlier_fraction_uses_one_mean_for_the_whole_block():
    """Mean over both layers together: (4 + 21) / 6; 20 > 3 * 25/6, so 1 of 6. Per-layer means would find
    none (1 is not > 3 * 1, 20 is not > 3 * 10.5)."""
    scores = [torch.ones(1, 4), torch.tensor([[1.0, 20.0]])]
    assert outlier_fraction(scores, 3) == pytest.approx(1 / 6)
    assert outlier_fraction([torch.ones(1, 4)], 3) == outlier_fraction([torch.tensor([[1.0, 20.0]])], 3) == 0
    assert outlier_fraction(scores, 5) == 0   # 20 is not > 5 * 25/6


def authors_mapping(d, target, lam):
    """The authors' three lines in prune_wanda_outlier, step by step, for comparison."""
    d = torch.tensor(d, dtype=torch.float64)
    r = (d - d.min()) * (1 / (d.max() - d.min()) * lam * 2)
    r = r - r.mean() + (1 - target)
    return (1 - r).tolist()


@pytest.mark.parametrize("target", [0.3, 0.5, 0.7])
def test_owl_ratios_follow_the_authors_mapping(target):
    for d in ([0.1, 0.4, 0.2, 1.3], [2.0, 1.0], [0.5, 0.5, 0.0, 3.0, 1.0, 0.7]):
        got = owl_ratios(d, target, LAMBDA)
        assert got == pytest.approx(authors_mapping(d, target, LAMBDA), abs=1e-12), d
        assert sum(got) / len(got) == pytest.approx(target, abs=1e-12)               # mean is the target
        assert max(got) - min(got) == pytest.approx(2 * LAMBDA, abs=1e-12)            # spread 2 * lambda
        assert all(target - 2 * LAMBDA <= s <= target + 2 * LAMBDA for s in got)
        order = sorted(range(len(d)), key=lambda i: d[i])                            # more outliers, lower sparsity
        assert all(got[a] >= got[b] for a, b in zip(order, order[1:]))
        assert all(got[a] > got[b] for a, b in zip(order, order[1:]) if d[a] < d[b])


def test_owl_ratios_within_plus_minus_lambda_when_the_ratios_are_balanced():
    """[S - lam, S + lam] holds when the normalised ratios average 1/2 (two blocks, or symmetric); in
    general the authors' mapping only fixes the spread, and one outlier-heavy block of n falls to
    S - 2 lam (1 - 1/n)."""
    assert owl_ratios([3.0, 1.0], 0.5, 0.08) == pytest.approx([0.42, 0.58])
    got = owl_ratios([0.0, 0.25, 0.5, 0.75, 1.0], 0.5, 0.08)
    assert min(got) == pytest.approx(0.42) and max(got) == pytest.approx(0.58)
    skewed = owl_ratios([0.0, 0.0, 0.0, 1.0], 0.5, 0.08)
    assert skewed[3] == pytest.approx(0.5 - 2 * 0.08 * 0.75) and skewed[3] < 0.5 - 0.08


def test_owl_ratios_equal_ratios_and_extreme_targets():
    assert owl_ratios([0.2, 0.2, 0.2], 0.6, LAMBDA) == [0.6, 0.6, 0.6]
    assert owl_ratios([], 0.5) == []
    for target in (0.0, 0.01, 0.05, 0.95, 0.99, 1.0):   # lambda shrinks to keep [0, 1]; the mean stays
        got = owl_ratios([0.0, 0.0, 0.0, 1.0], target, LAMBDA)
        assert all(0.0 <= s <= 1.0 for s in got), (target, got)
        assert sum(got) / 4 == pytest.approx(target, abs=1e-12)
    assert owl_ratios([0.0, 1.0], 0.05, LAMBDA) == pytest.approx([0.1, 0.0])


def block_sparsities(weights):
    zeros, total = {}, {}
    for name, w in weights.items():
        b = block_of(name)
        zeros[b] = zeros.get(b, 0) + int((w == 0).sum())
        total[b] = total.get(b, 0) + w.numel()
    return [zeros[b] / total[b] for b in sorted(zeros)]


@pytest.mark.parametrize("heavy", [0, 1])
def test_owl_gives_the_outlier_block_the_lower_level(heavy, calib):
    """Scale 300 weights of one block's up_proj by 20: that block is pruned at S - lam, the other at
    S + lam (two blocks), each row by Wanda's count at its block's level; block 0's mask is Wanda's at its level."""
    def planted():
        model = tiny_llama()
        w = prunable_layers(model)[f"model.layers.{heavy}.mlp.up_proj"].weight.data
        idx = torch.randperm(w.numel(), generator=torch.Generator().manual_seed(2))[:300]
        w.view(-1)[idx] *= 20
        return model

    weights = prune_with("owl", planted(), 0.5, calib)
    levels = [0.5 + LAMBDA, 0.5 + LAMBDA]
    levels[heavy] = 0.5 - LAMBDA
    assert block_sparsities(weights) == pytest.approx(levels, abs=1 / 64)   # ceil per row
    for name, w in weights.items():
        assert ((w == 0).sum(1) == count_to_prune(w.shape[1], levels[block_of(name)])).all(), name
    reference = planted()
    wanda_prune(reference, levels[0], calib)
    for name, layer in prunable_layers(reference).items():
        if block_of(name) == 0:
            assert torch.equal(weights[f"{name}.weight"] == 0, layer.weight == 0), name


def test_owl_is_not_uniform_wanda_on_the_tiny_model(calib):
    owl = prune_with("owl", tiny_llama(), 0.5, calib)
    wanda = prune_with("wanda", tiny_llama(), 0.5, calib)
    spars = block_sparsities(owl)
    assert max(spars) - min(spars) == pytest.approx(2 * LAMBDA, abs=0.02)
    assert any(not torch.equal(owl[n] == 0, wanda[n] == 0) for n in owl)


@pytest.mark.parametrize("pattern", ["2:4", "4:8"])
def test_owl_on_nm_is_wanda_nm(pattern, calib):
    """As the authors' wanda_owl: with prune_n set, every layer is pruned by plain Wanda N:M."""
    owl = prune_with("owl", tiny_llama(), 0.5, calib, pattern)
    wanda = prune_with("wanda", tiny_llama(), 0.5, calib, pattern)
    assert all(torch.equal(owl[n], wanda[n]) for n in owl)


# ---------------------------------------------------------------- both, through the interface


@pytest.mark.parametrize("method", ["ria", "owl"])
@pytest.mark.parametrize("level", [0.3, 0.5, 0.7])
def test_prunes_to_the_two_sided_check(method, level, calib):
    weights = prune_with(method, tiny_llama(), level, calib)
    report = measure(weights)
    assert sparsity_rule(method) == "two-sided"
    assert meets_target(report, weights, level, "unstructured", "two-sided") is None
    assert level <= report.overall <= level + 1 / 64


@pytest.mark.parametrize("method", ["ria", "owl"])
def test_deterministic(method, calib):
    a = prune_with(method, tiny_llama(), 0.5, calib)
    b = prune_with(method, tiny_llama(), 0.5, calib)
    assert all(torch.equal(a[n], b[n]) for n in a)
    other = prune_with(method, tiny_llama(), 0.5,
                       torch.randint(0, 256, (8, 32), generator=torch.Generator().manual_seed(7)))
    assert any(not torch.equal(a[n] == 0, other[n] == 0) for n in a)   # and the calibration data matters


def test_registered_with_their_hyperparameters():
    assert {"ria", "owl"} <= set(METHODS) and {"ria", "owl"} <= USES_CALIBRATION
    assert hyperparameters("owl")["M"] == M == 5 and hyperparameters("owl")["lambda"] == LAMBDA == 0.08
    assert hyperparameters("ria") == {"a": 0.5, "group": "layer"}
