"""Prunable layers, sparsity measurement, N:M checks, pure mask selection and trusted validation."""

from __future__ import annotations

import pytest
import torch

from harness.core.interface import Status
from harness.core.masks import (count_to_prune, floor_count_row_mask, nm_mask, select_mask, threshold_mask,
                          unstructured_mask)
from harness.core.sparsity import (SPARSITY_TOLERANCE, ceiling, measure, measure_model, meets_target, nm_violations,
                              parse_pattern, pattern_sparsity, prunable_layers, prunable_weight_names,
                              rounding_allowance)
from harness.core.validation import validate

PER_BLOCK = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
             "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


# --- prunable layers --------------------------------------------------------------------------------

def test_prunable_layers_are_the_seven_linears_per_block_in_order(tiny_lm):
    model = tiny_lm.model
    layers = prunable_layers(model)
    assert list(layers) == [f"model.layers.{i}.{n}" for i in range(2) for n in PER_BLOCK]
    assert all(isinstance(m, torch.nn.Linear) for m in layers.values())
    assert layers["model.layers.1.mlp.down_proj"] is model.model.layers[1].mlp.down_proj
    names = prunable_weight_names(model)
    state = model.state_dict()
    assert all(n in state for n in names) and len(names) == 14
    for never in ("embed_tokens", "lm_head", "norm", "layernorm", "bias"):
        assert not any(never in n for n in names), never
    assert sum(state[n].numel() for n in names) == 2 * (4 * 64 * 64 // 2 * 2 + 3 * 64 * 128) - 2 * 2 * 64 * 32


def test_measure_counts_exact_zeros():
    a = torch.ones(4, 8)
    a[0, :3] = 0.0
    a[1, 0] = -0.0                      # negative zero is a zero
    b = torch.full((2, 5), 1e-30)       # tiny is not zero
    b[1, 4] = 0.0
    c = torch.tensor([[float("nan"), 0.0]])
    report = measure({"a": a, "b": b, "c": c})
    assert [(layer.name, layer.zeros, layer.total) for layer in report.layers] == [("a", 4, 32), ("b", 1, 10), ("c", 1, 2)]
    assert report.zeros == 6 and report.total == 44
    assert report.overall == pytest.approx(6 / 44)
    assert report.as_dict()["layers"] == {"a": 4 / 32, "b": 1 / 10, "c": 0.5}
    assert measure({}).overall == 0.0


def test_measure_model(fresh_tiny_lm):
    model = fresh_tiny_lm.model
    assert measure_model(model).zeros == 0
    with torch.no_grad():
        model.model.layers[0].self_attn.q_proj.weight[:10] = 0
        model.model.layers[1].mlp.down_proj.weight[:, :5] = 0
        model.model.embed_tokens.weight[:] = 0           # not prunable: not counted
    report = measure_model(model)
    assert report.zeros == 10 * 64 + 64 * 5
    by_name = {layer.name: layer.zeros for layer in report.layers}
    assert by_name["model.layers.0.self_attn.q_proj.weight"] == 640
    assert by_name["model.layers.1.mlp.down_proj.weight"] == 320


# --- N:M --------------------------------------------------------------------------------------------

def test_nm_violations():
    w = torch.ones(2, 8)
    w[0, [0, 1, 4, 5]] = 0          # row 0: both groups have 2 zeros
    w[1, [0, 6]] = 0                # row 1: each group has 1 zero
    assert nm_violations(w, 2, 4) == 2
    assert nm_violations(w, 1, 4) == 0
    w[1, [1, 7]] = 0
    assert nm_violations(w, 2, 4) == 0
    assert nm_violations(torch.zeros(3, 10), 2, 4) == 3 * 3   # 10 % 4: every group counts as violated


def test_parse_pattern():
    assert parse_pattern("unstructured") is None and parse_pattern("2:4") == (2, 4)
    assert pattern_sparsity("2:4", 0.7) == 0.5 and pattern_sparsity("unstructured", 0.7) == 0.7
    for bad in ("2-4", "4:4", "0:4", "x:y"):
        with pytest.raises(ValueError):
            parse_pattern(bad)


# --- meets_target -----------------------------------------------------------------------------------

def _with_zeros(total: int, zeros: int) -> dict:
    w = torch.ones(1, total)
    w[0, :zeros] = 0
    return {"w": w}


@pytest.mark.parametrize("target", [0.5, 0.6, 0.7, 0.9])
def test_meets_target_tolerance_boundary(target):
    assert SPARSITY_TOLERANCE == 0.001
    total = 10_000
    exact = round((target - 0.001) * total)          # exactly target - 0.1 pp
    w = _with_zeros(total, exact)
    assert meets_target(measure(w), w, target, "unstructured") is None
    w = _with_zeros(total, exact - 1)                # 0.01 pp below that
    msg = meets_target(measure(w), w, target, "unstructured")
    assert msg is not None and "below the target" in msg and f"{target:.2%}" in msg


def test_meets_target_nm():
    w = torch.ones(4, 8)
    w[:, [0, 1, 4, 5]] = 0
    assert meets_target(measure({"w": w}), {"w": w}, 0.9, "2:4") is None   # 2:4 implies 50%, level ignored
    w2 = w.clone()
    w2[0, [0, 1]] = 1
    w2[0, [2, 3]] = 0                                       # still 2 zeros in that group: fine
    assert meets_target(measure({"w": w2}), {"w": w2}, 0.5, "2:4") is None
    w3 = w.clone()
    w3[1, 0] = 1
    w3[1, 6] = 0                                            # same count overall, one group 1 zero, one 3
    msg = meets_target(measure({"w": w3}), {"w": w3}, 0.5, "2:4")
    assert msg is not None and "2:4 pattern violated in 1 layers" in msg and "1 groups of 4" in msg


def test_floor_per_row_rule_reads_the_level_as_wanda_authors_do():
    w = torch.ones(3, 576)
    w[:, :5] = 0                                            # int(576 * 0.01) = 5 zeros per row: 0.87%
    assert "below the target" in meets_target(measure({"w": w}), {"w": w}, 0.01, "unstructured")
    assert meets_target(measure({"w": w}), {"w": w}, 0.01, "unstructured", "floor-per-row") is None
    w[1, 4] = 1                                             # one row one zero short
    msg = meets_target(measure({"w": w}), {"w": w}, 0.01, "unstructured", "floor-per-row")
    assert msg == "w: 1 rows with fewer than int(576 x 0.01) = 5 zeros"
    with pytest.raises(ValueError, match="sparsity rule must be one of"):
        meets_target(measure({"w": w}), {"w": w}, 0.01, "unstructured", "roughly")


def _square(zeros: int, n: int = 100) -> dict:
    w = torch.ones(n, n)
    w.view(-1)[:zeros] = 0
    return {"w": w}


@pytest.mark.parametrize("target", [0.01, 0.5, 0.9, 0.99])
def test_meets_target_upper_boundary(target):
    """At most ceil(target x total) + one weight a row and a column + 0.1 pp: exactly that passes, one more fails."""
    w = _square(0)
    assert rounding_allowance(w) == 200
    allowed = ceiling(w, target, None).allowed
    assert allowed == round(target * 10_000) + 200 + 10
    if allowed < 10_000:
        w = _square(allowed)
        assert meets_target(measure(w), w, target, "unstructured") is None
        w = _square(allowed + 1)
        msg = meets_target(measure(w), w, target, "unstructured")
        assert msg is not None and f"is above the target {target:.2%}" in msg and f"{allowed:,} allowed" in msg


def test_zeroing_everything_does_not_meet_a_level():
    """Issue 20 item 5: a program that zeroes every weight met any level, the check being one-sided."""
    w = {"a": torch.zeros(64, 64), "b": torch.zeros(128, 64)}
    for rule in ("two-sided", "floor-per-row"):
        msg = meets_target(measure(w), w, 0.5, "unstructured", rule)
        assert msg is not None and "achieved sparsity 100.0000% is above the target 50.00%" in msg, rule
    assert "above the target 50.00%" in meets_target(measure(w), w, 0.5, "2:4")
    # the authors' <= threshold prunes every tie on top: their documented rule has no ceiling
    assert meets_target(measure(w), w, 0.5, "unstructured", "threshold-ties") is None
    assert "below the target" in meets_target(measure(_square(4000)), _square(4000), 0.5, "unstructured",
                                              "threshold-ties")


def test_the_dense_models_own_zeros_are_not_the_pruners():
    """A pruner cannot un-zero a weight: zeros the dense model had count toward the level, not the ceiling."""
    g = torch.Generator().manual_seed(0)
    dense = torch.randn(100, 100, generator=g)
    dense[torch.rand(100, 100, generator=g) < 0.2] = 0          # 20% zero already
    # random pruning of half of everything: ~60% zero, of which the pruner made ~40%
    pruned = dense.masked_fill(torch.rand(100, 100, generator=g) < 0.5, 0)
    w, d = {"w": pruned}, {"w": dense}
    assert measure(w).overall > 0.55
    assert meets_target(measure(w), w, 0.5, "unstructured", dense=d) is None
    assert "above the target" in meets_target(measure(w), w, 0.5, "unstructured")   # without the dense zeros
    top = ceiling(w, 0.5, d)
    assert top.new_zeros == int(((pruned == 0) & (dense != 0)).sum()) and not top.exceeded


def test_exact_per_row_rounding_meets_the_ceiling_on_narrow_rows():
    """ceil(64 x 0.01) = 1 a row is 1.56%, 0.56 pp over 1%: the rounding allowance, not a failure."""
    torch.manual_seed(0)
    score = torch.randn(64, 64)
    for s in (0.01, 0.5, 0.99):
        w = {"w": torch.ones(64, 64).masked_fill(unstructured_mask(score, s, "row"), 0)}
        assert meets_target(measure(w), w, s, "unstructured") is None, s
    nm = {"w": torch.ones(64, 64).masked_fill(nm_mask(score, 2, 4), 0)}
    assert meets_target(measure(nm), nm, 0.5, "2:4") is None
    three = {"w": torch.ones(64, 64).masked_fill(nm_mask(score, 3, 4), 0)}   # 3:4 passes for 2:4 no more
    assert "above the target 50.00%" in meets_target(measure(three), three, 0.5, "2:4")


# --- masks ------------------------------------------------------------------------------------------

def test_floor_count_row_mask_is_the_authors_prune_wanda():
    torch.manual_seed(3)
    score = torch.randint(0, 20, (6, 576)).float()          # many ties: the stable sort decides them
    for s in (0.01, 0.3, 0.5, 0.57, 0.7):
        # Wanda's lib/prune.py, longhand: sort each row stably, prune the first int(in * s).
        want = torch.zeros_like(score, dtype=torch.bool)
        want.scatter_(1, torch.sort(score, dim=-1, stable=True)[1][:, :int(score.shape[1] * s)], True)
        got = floor_count_row_mask(score, s)
        assert torch.equal(got, want)
        assert torch.equal(select_mask(score, s, "unstructured", "row", "authors"), want)
    assert int(floor_count_row_mask(score, 0.7)[0].sum()) == 403 == count_to_prune(576, 0.7) - 1


def test_threshold_mask_prunes_every_tie_as_prune_magnitude_does():
    score = torch.tensor([[0.1, 0.2, 0.2, 0.2], [0.3, 0.2, 0.5, 0.6]])
    # sorted: .1 .2 .2 .2 .2 .3 .5 .6; int(8 * 0.25) = 2 -> threshold 0.2 -> five weights pruned, not two
    mask = threshold_mask(score, 0.25)
    assert mask.tolist() == [[True, True, True, True], [False, True, False, False]]
    assert torch.equal(select_mask(score, 0.25, "unstructured", "layer", "authors"), mask)
    assert int(threshold_mask(torch.arange(10.0), 0.5).sum()) == 6   # no ties: int(n * s) + 1
    assert threshold_mask(score, 1.0).all()
    assert int(unstructured_mask(score, 0.25, "layer").sum()) == 2   # the exact default
    with pytest.raises(ValueError, match="selection must be one of"):
        select_mask(score, 0.25, "unstructured", "layer", "published")


@pytest.mark.parametrize("n, s, k", [(576, 0.01, 6), (576, 0.5, 288), (576, 0.7, 404), (100, 0.29, 29),
                                     (100, 0.57, 57), (10, 1.0, 10), (10, 0.0, 0), (7, 0.5, 4)])
def test_count_to_prune_rounds_up_but_not_float_noise(n, s, k):
    assert count_to_prune(n, s) == k


def test_unstructured_mask_per_row():
    torch.manual_seed(0)
    score = torch.randn(8, 576)
    for s in (0.01, 0.5, 0.7):
        mask = unstructured_mask(score, s, "row")
        assert mask.dtype == torch.bool and mask.shape == score.shape
        assert (mask.sum(1) == count_to_prune(576, s)).all()
        # the pruned weights are the lowest scores of their row
        pruned_max = torch.where(mask, score, torch.tensor(-float("inf"))).max(1).values
        kept_min = torch.where(mask, torch.tensor(float("inf")), score).min(1).values
        assert (pruned_max < kept_min).all()


def test_unstructured_mask_per_layer():
    torch.manual_seed(1)
    score = torch.randn(8, 100)
    score[0] -= 10                                      # the whole first row is the lowest
    mask = unstructured_mask(score, 0.25, "layer")
    assert int(mask.sum()) == 200
    assert mask[0].all()                                # row counts differ: a layer-wide choice
    assert score[mask].max() < score[~mask].min()
    assert not unstructured_mask(score, 0.0, "layer").any()
    with pytest.raises(ValueError, match="group must be 'row' or 'layer'"):
        unstructured_mask(score, 0.5, "column")


def test_nm_mask():
    torch.manual_seed(2)
    score = torch.randn(6, 16)
    for n, m in ((2, 4), (4, 8), (1, 4)):
        mask = nm_mask(score, n, m)
        groups, sg = mask.reshape(6, -1, m), score.reshape(6, -1, m)
        assert (groups.sum(-1) == n).all()
        assert (torch.where(groups, sg, torch.tensor(-float("inf"))).max(-1).values
                < torch.where(groups, torch.tensor(float("inf")), sg).min(-1).values).all()
        w = torch.ones(6, 16).masked_fill(mask, 0)
        assert nm_violations(w, n, m) == 0
    assert torch.equal(select_mask(score, 0.3, "2:4"), nm_mask(score, 2, 4))
    assert torch.equal(select_mask(score, 0.3), unstructured_mask(score, 0.3))
    with pytest.raises(ValueError, match="not divisible by M=4"):
        nm_mask(torch.randn(2, 10), 2, 4)


# --- validation -------------------------------------------------------------------------------------

@pytest.fixture
def dense(tiny_lm):
    return {k: v.clone() for k, v in tiny_lm.model.state_dict().items()}


@pytest.fixture
def prunable(tiny_lm):
    return prunable_weight_names(tiny_lm.model)


def _pruned(dense, prunable, sparsity=0.5, pattern="unstructured"):
    return {n: dense[n].masked_fill(select_mask(dense[n].abs(), sparsity, pattern), 0) for n in prunable}


def test_validate_ok(dense, prunable):
    v = validate(dense, _pruned(dense, prunable), prunable, 0.5)
    assert v.status is Status.OK and v.ok and v.detail == "achieved sparsity 50.0000%"
    assert v.sparsity.overall == 0.5
    v = validate(dense, _pruned(dense, prunable, pattern="2:4"), prunable, 0.5, "2:4")
    assert v.ok
    extra = {**_pruned(dense, prunable), "model.norm.weight": dense["model.norm.weight"].clone()}
    assert validate(dense, extra, prunable, 0.5).ok       # unchanged non-prunable tensors are allowed


def test_validate_output_invalid(dense, prunable):
    good = _pruned(dense, prunable)
    cases = {
        "1 prunable tensors missing, e.g. model.layers.0.self_attn.q_proj.weight":
            {k: v for k, v in good.items() if k != prunable[0]},
        "expected (64, 64) torch.float32, got ((64, 63), torch.float32)": {**good, prunable[0]: good[prunable[0]][:, :63]},
        "got ((64, 64), torch.float16)": {**good, prunable[0]: good[prunable[0]].half()},
        "got list": {**good, prunable[0]: [0.0]},
        "unexpected tensor 'model.layers.0.extra.weight'": {**good, "model.layers.0.extra.weight": torch.zeros(2)},
    }
    for says, pruned in cases.items():
        v = validate(dense, pruned, prunable, 0.5)
        assert v.status is Status.OUTPUT_INVALID and not v.ok, says
        assert says in v.detail, (says, v.detail)


def test_validate_non_finite(dense, prunable):
    pruned = _pruned(dense, prunable)
    pruned[prunable[3]][0, :3] = float("nan")
    pruned[prunable[3]][1, 0] = float("inf")
    v = validate(dense, pruned, prunable, 0.5)
    assert v.status is Status.NON_FINITE and v.detail == f"{prunable[3]}: 4 NaN/inf values"


def test_validate_tampered(dense, prunable):
    pruned = {**_pruned(dense, prunable), "model.norm.weight": dense["model.norm.weight"] * 1.01}
    v = validate(dense, pruned, prunable, 0.5)
    assert v.status is Status.TAMPERED and "model.norm.weight is not prunable but was changed" in v.detail


def test_validate_rejects_a_model_zeroed_whole(dense, prunable):
    zeroed = {n: torch.zeros_like(dense[n]) for n in prunable}
    v = validate(dense, zeroed, prunable, 0.5)
    assert v.status is Status.SPARSITY_NOT_MET and v.detail.startswith("achieved sparsity 100.0000% is above")
    assert validate(dense, zeroed, prunable, 0.5, rule="threshold-ties").ok   # the authors' rule, as documented


def test_validate_sparsity_not_met(dense, prunable):
    v = validate(dense, _pruned(dense, prunable, 0.4), prunable, 0.5)
    assert v.status is Status.SPARSITY_NOT_MET and "below the target 50.00%" in v.detail
    assert v.sparsity is not None and v.sparsity.overall == 26 / 64   # ceil(0.4 * 64) per row
    v = validate(dense, _pruned(dense, prunable, 0.5), prunable, 0.5, "2:4")   # 50%, but not 2:4
    assert v.status is Status.SPARSITY_NOT_MET and "2:4 pattern violated in 14 layers" in v.detail
