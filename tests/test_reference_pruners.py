"""The human reference pruners, through the one candidate interface, on tiny random Llamas."""

from __future__ import annotations

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from harness.core.interface import NotApplicable, call_prune, load_candidate
from harness.core.masks import select_mask
from harness.core.sparsity import measure, meets_target, nm_violations, prunable_layers
from reference_pruners import METHODS, SKELETON, USES_CALIBRATION, method_path, sparsity_rule
from reference_pruners.blockwise import capture_block_inputs, run_block
from reference_pruners.sparsegpt import accumulate_hessian, sparsify_weight
from reference_pruners.wanda import accumulate_sq_norm, wanda_score

LEVELS = [0.01, 0.05, 0.3, 0.5, 0.9, 0.99]


def tiny_llama(bias: bool = False, seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    cfg = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=256, attention_bias=bias, mlp_bias=bias)
    model = LlamaForCausalLM(cfg).eval()
    if bias:  # random init leaves biases at zero; give them distinct values
        for layer in prunable_layers(model).values():
            torch.nn.init.normal_(layer.bias)
    return model


@pytest.fixture(scope="module")
def calib():
    return torch.randint(0, 256, (8, 32), generator=torch.Generator().manual_seed(1))


def prune_with(method, model, sparsity, calib, pattern="unstructured"):
    call_prune(load_candidate(method_path(method)), model, sparsity, calib, pattern=pattern,
               layers=prunable_layers(model))
    return {f"{n}.weight": layer.weight.detach() for n, layer in prunable_layers(model).items()}


APPLICABLE = [m for m in METHODS if m not in ("bias", "-bias")]


@pytest.mark.parametrize("method", [m for m in APPLICABLE if m not in SKELETON])
@pytest.mark.parametrize("level", LEVELS)
def test_every_method_reaches_every_level(method, level, calib):
    model = tiny_llama()
    weights = prune_with(method, model, level, calib)
    report = measure(weights)
    assert meets_target(report, weights, level, "unstructured", sparsity_rule(method)) is None
    # Not wildly over the target either: per-group rounding up costs at most one weight per row.
    assert report.overall <= level + 1 / 64 + 1e-9


@pytest.mark.parametrize("method", APPLICABLE)
@pytest.mark.parametrize("pattern", ["2:4", "4:8"])
def test_nm_patterns(method, pattern, calib):
    model = tiny_llama()
    weights = prune_with(method, model, 0.5, calib, pattern)
    n, m = (int(x) for x in pattern.split(":"))
    for name, w in weights.items():
        assert nm_violations(w, n, m) == 0, name
    assert measure(weights).overall == pytest.approx(0.5)


def test_bias_methods_on_a_model_with_bias(calib):
    for method, sign in (("bias", 1), ("-bias", -1)):
        model = tiny_llama(bias=True)
        layer = prunable_layers(model)["model.layers.0.mlp.up_proj"]
        order = torch.argsort(sign * layer.bias.abs())
        weights = prune_with(method, model, 0.25, calib)
        assert meets_target(measure(weights), weights, 0.25, "unstructured") is None
        w = weights["model.layers.0.mlp.up_proj.weight"]
        rows = w.shape[0] // 4
        assert (w[order[:rows]] == 0).all()          # the rows with the lowest score went entirely
        assert (w[order[rows:]] != 0).all()


def test_bias_methods_on_qwen2_where_only_qkv_have_a_bias(calib):
    """Qwen2: q/k/v carry a bias, o_proj and the MLP do not. Biased layers go by |bias|; the others exactly
    as magnitude prunes them, for bias and -bias alike, so the columns differ only on q/k/v."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    def tiny_qwen2():
        torch.manual_seed(0)
        cfg = Qwen2Config(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, vocab_size=256)
        model = Qwen2ForCausalLM(cfg).eval()
        for layer in prunable_layers(model).values():
            if layer.bias is not None:
                torch.nn.init.normal_(layer.bias)
        return model

    with_bias = {n for n, layer in prunable_layers(tiny_qwen2()).items() if layer.bias is not None}
    assert with_bias and all(n.rsplit(".", 1)[1] in ("q_proj", "k_proj", "v_proj") for n in with_bias)
    magnitude = prune_with("magnitude", tiny_qwen2(), 0.5, calib)
    pruned = {m: prune_with(m, tiny_qwen2(), 0.5, calib) for m in ("bias", "-bias")}
    for m, weights in pruned.items():
        assert meets_target(measure(weights), weights, 0.5, "unstructured") is None
        for name, w in weights.items():
            if name.removesuffix(".weight") not in with_bias:
                assert torch.equal(w, magnitude[name]), (m, name)
    q = "model.layers.0.self_attn.q_proj"
    bias = prunable_layers(tiny_qwen2())[q].bias.abs()
    for m, sign in (("bias", 1), ("-bias", -1)):
        w = pruned[m][q + ".weight"]
        order = torch.argsort(sign * bias)
        assert (w[order[:32]] == 0).all() and (w[order[32:]] != 0).all()   # half the rows, by |bias|


@pytest.mark.parametrize("method", ["bias", "-bias"])
def test_bias_methods_say_not_applicable_without_bias(method, calib):
    with pytest.raises(NotApplicable, match="model has no bias"):
        prune_with(method, tiny_llama(bias=False), 0.5, calib)


def test_negative_weights_removes_largest_first(calib):
    model = tiny_llama()
    dense = prunable_layers(model)["model.layers.1.self_attn.o_proj"].weight.detach().clone()
    w = prune_with("-weights", model, 0.1, calib)["model.layers.1.self_attn.o_proj.weight"]
    pruned = w == 0
    assert dense.abs()[pruned].min() >= dense.abs()[~pruned].max()


def test_block_replay_matches_the_full_model(calib):
    """Captured block-0 inputs and kwargs (rotary embeddings included) replay the model exactly."""
    model = tiny_llama()
    inputs = capture_block_inputs(model, calib, "cpu", batch_size=3)
    assert "position_embeddings" in inputs.kwargs
    for block in model.model.layers:
        inputs.hidden = run_block(block, inputs, batch_size=3)
    with torch.no_grad():
        expected = model.model(input_ids=calib, use_cache=False, output_hidden_states=True).hidden_states[-1]
    # hidden_states[-1] is after the final norm
    assert torch.allclose(model.model.norm(inputs.hidden), expected, atol=1e-5)


def test_wanda_mask_equals_brute_force():
    torch.manual_seed(3)
    W = torch.randn(6, 16)
    X = torch.randn(5, 7, 16)
    norm = accumulate_sq_norm(accumulate_sq_norm(None, X[:2]), X[2:])
    mask = select_mask(wanda_score(W, norm), 0.5, "unstructured", "row")
    for i in range(W.shape[0]):   # per row: the 8 smallest |W_ij| * sqrt(sum_t x_tj^2), computed longhand
        metric = [abs(float(W[i, j])) * float(sum(float(X[a, b, j]) ** 2 for a in range(5) for b in range(7))) ** 0.5
                  for j in range(16)]
        expected = sorted(range(16), key=lambda j: metric[j])[:8]
        assert sorted(torch.nonzero(mask[i]).flatten().tolist()) == sorted(expected)


def test_sparsegpt_reconstruction_beats_plain_masking():
    torch.manual_seed(4)
    X = torch.randn(512, 64) @ torch.randn(64, 64) * 0.3   # correlated inputs, as in real layers
    W = torch.randn(32, 64)
    H, _ = accumulate_hessian(None, 0, X)
    (W_sgpt,) = sparsify_weight([W], H, 0.5)
    mask = W_sgpt == 0
    W_masked = W.masked_fill(mask, 0)
    err_sgpt = (X @ (W_sgpt - W).T).pow(2).sum()
    err_mask = (X @ (W_masked - W).T).pow(2).sum()
    assert mask.float().mean() == pytest.approx(0.5, abs=1 / 128)
    assert err_sgpt < 0.8 * err_mask


def test_sparsegpt_stacked_layers_equal_separate():
    """Sharing one Hessian across stacked layers (q/k/v) changes nothing versus one layer at a time."""
    torch.manual_seed(5)
    X = torch.randn(256, 32)
    H, _ = accumulate_hessian(None, 0, X)
    A, B = torch.randn(8, 32), torch.randn(16, 32)
    joint = sparsify_weight([A, B], H, 0.6)
    separate = sparsify_weight([A], H, 0.6) + sparsify_weight([B], H, 0.6)
    for a, b in zip(joint, separate):
        assert torch.allclose(a, b, atol=1e-5)


def test_calibration_users_are_declared():
    assert USES_CALIBRATION <= set(METHODS)
    assert {"wanda", "sparsegpt", "movement", "movement-0shot", "taylor", "wanda-authors",
            "sparsegpt-authors", "score-example", "score-wanda", "ria", "owl"} == USES_CALIBRATION


@pytest.mark.parametrize("method", sorted(SKELETON))
@pytest.mark.parametrize("level", [0.25, 0.5, 0.75])   # levels where in_features * level is a whole number
def test_skeleton_methods_prune_round_in_times_level_per_row(method, level, calib):
    weights = prune_with(method, tiny_llama(), level, calib)
    for name, w in weights.items():
        assert ((w == 0).sum(dim=1) == round(w.shape[1] * level)).all(), name


def test_prompt_examples_are_the_prompts_code_byte_for_byte():
    """The reference methods that stand for what a prompt shows are that code, after their own docstring."""
    from harness.run.forms import FORMS, SCORE_EXAMPLE, SCORE_WANDA
    from harness.core.program_identity import normalised_ast_hash
    from harness.run.prompting import seed_path

    for method, code in (("interface-example", seed_path("magnitude").read_text(encoding="utf-8")),
                         ("score-example", FORMS["score"].assemble(SCORE_EXAMPLE)),
                         ("score-wanda", FORMS["score"].assemble(SCORE_WANDA))):
        text = method_path(method).read_text(encoding="utf-8")
        assert text.endswith(code) and normalised_ast_hash(text) == normalised_ast_hash(code), method


def test_the_example_references_are_the_methods_they_stand_for(calib):
    """interface-example prunes what per-layer |W| would; score-example what per-row |W| would; score-wanda's
    act_norm changes which weights go."""
    w = prune_with("interface-example", tiny_llama(), 0.5, calib)
    m = prune_with("magnitude", tiny_llama(), 0.5, calib)
    assert all(torch.equal(w[n] == 0, m[n] == 0) for n in w)
    sw = prune_with("score-wanda", tiny_llama(), 0.5, calib)
    ex = prune_with("score-example", tiny_llama(), 0.5, calib)
    mr = prune_with("magnitude-row", tiny_llama(), 0.5, calib)
    assert all(torch.equal(ex[n] == 0, mr[n] == 0) for n in ex)          # per-row |W|, as the issue says
    assert any(not torch.equal(sw[n] == 0, ex[n] == 0) for n in sw)     # act_norm changes what is pruned


def test_authors_rounding_variants(calib):
    """wanda-authors prunes int(in * s) per row (one fewer than exact at 0.3 on 64 and 128 inputs);
    magnitude-authors and sparsegpt-authors prune int(n * s) + 1 per threshold group (no ties here)."""
    exact, authors = prune_with("wanda", tiny_llama(), 0.3, calib), prune_with("wanda-authors", tiny_llama(), 0.3, calib)
    for name, w in authors.items():
        in_f = w.shape[1]
        assert ((w == 0).sum(1) == int(in_f * 0.3)).all(), name
        assert ((exact[name] == 0).sum(1) == int(in_f * 0.3) + 1).all(), name
        if ".layers.0." in name:   # same scores in the first block (later ones see differently pruned inputs)
            assert ((w == 0) <= (exact[name] == 0)).all(), name
    mag = prune_with("magnitude-authors", tiny_llama(), 0.3, calib)
    for name, w in mag.items():
        assert int((w == 0).sum()) == int(w.numel() * 0.3) + 1, name
    sgpt = prune_with("sparsegpt-authors", tiny_llama(), 0.3, calib)
    for name, w in sgpt.items():   # one threshold per 128-column block
        blocks = w.split(128, dim=1)
        assert [int((b == 0).sum()) for b in blocks] == [int(b.numel() * 0.3) + 1 for b in blocks], name


@pytest.mark.slow
def test_real_smollm2_at_half_sparsity(smollm2):
    """The paper's finding on a real model: at 50%, Wanda and SparseGPT far below magnitude; -weights ruins it."""
    from harness.core.data import calibration, eval_text
    from harness.core.evaluate import EvalSetup, eval_windows
    from harness.core.perplexity import perplexity

    lm = smollm2
    windows = eval_windows(lm.tokenizer, eval_text("wikitext2"), EvalSetup(seqlen=512, max_windows=2))
    calib = calibration(lm.tokenizer, "c4", nsamples=8, seqlen=256, seed=0).ids
    dense = {k: v.clone() for k, v in lm.model.state_dict().items()}
    ppl = {"dense": perplexity(lm.model, windows).perplexity}
    try:
        for method in ("magnitude", "wanda", "sparsegpt", "-weights"):
            lm.model.load_state_dict(dense)
            prune_with(method, lm.model, 0.5, calib)
            ppl[method] = perplexity(lm.model, windows).perplexity
    finally:
        lm.model.load_state_dict(dense)
    assert ppl["dense"] < ppl["wanda"] < ppl["magnitude"] / 3, ppl
    assert ppl["dense"] < ppl["sparsegpt"] < ppl["magnitude"] / 3, ppl
    assert ppl["-weights"] > 10 * ppl["magnitude"], ppl


def test_movement_schedule_is_warmup_cubic_then_target():
    from reference_pruners.movement import cubic_sparsity

    T = 100
    assert [cubic_sparsity(t, T, 0.8) for t in (0, 10, 25)] == [0.0, 0.0, 0.0]
    assert cubic_sparsity(50, T, 0.8) == pytest.approx(0.8 * (1 - 0.5 ** 3))
    assert cubic_sparsity(75, T, 0.8) == cubic_sparsity(99, T, 0.8) == pytest.approx(0.8)
    ramp = [cubic_sparsity(t, T, 0.8) for t in range(25, 76)]
    assert ramp == sorted(ramp)                       # never decreases
    assert ramp[1] - ramp[0] > ramp[-1] - ramp[-2]    # cubic: fast first, slow last


def test_movement_scores_get_the_straight_through_gradient():
    """dL/dS = dL/dW' * W whether the weight is kept or masked; the forward is W * M."""
    from reference_pruners.movement import straight_through

    torch.manual_seed(0)
    W, S, c = torch.randn(4, 6), torch.zeros(4, 6, requires_grad=True), torch.randn(4, 6)
    keep = torch.rand(4, 6) > 0.5
    out = straight_through(W, keep, S)
    assert torch.equal(out, W * keep)
    (out * c).sum().backward()
    assert torch.allclose(S.grad, c * W)


def test_movement_keeps_what_the_loss_moves_away_from_zero(calib):
    """A real run of the learned scores on the tiny model: exact level, weights otherwise untouched,
    and the scores are learned (different calibration data, different masks)."""
    model, dense = tiny_llama(), {k: v.clone() for k, v in tiny_llama().state_dict().items()}
    a = prune_with("movement", model, 0.5, calib)
    b = prune_with("movement", tiny_llama(), 0.5, torch.randint(0, 256, (8, 32), generator=torch.Generator().manual_seed(9)))
    for name, w in a.items():
        assert int((w == 0).sum()) == count_to_prune_layer(w, 0.5), name
        kept = w != 0
        assert torch.equal(w[kept], dense[name][kept]), name      # weights frozen
    assert any(not torch.equal(a[n] == 0, b[n] == 0) for n in a)


def count_to_prune_layer(w, s):
    from harness.core.masks import count_to_prune
    return count_to_prune(w.numel(), s)


def test_movement_records_its_hyperparameters():
    from reference_pruners import hyperparameters
    h = hyperparameters("movement")
    assert h["weights"] == "frozen" and h["optimizer"] == "Adam" and h["steps"].endswith("x nsamples")
    assert hyperparameters("wanda") == {}
