"""The evaluator against the reference loop, window cutting, and evaluation fingerprints."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from harness.core.data import eval_text
from harness.core.evaluate import EvalSetup, eval_windows, evaluate
from harness.core.fingerprint import EvalFingerprint
from harness.core.perplexity import chunked_nll, make_windows, naive_perplexity, perplexity

REL = 1e-4


@torch.no_grad()
def wanda_ppl(model, windows: torch.Tensor) -> float:
    """Wanda's eval_ppl_wikitext, written out independently: logits, shift, fp32 CrossEntropy, exp(mean)."""
    nlls = []
    for w in windows:
        x = w[None]
        logits = model(x).logits
        shift_logits, shift_labels = logits[:, :-1, :].contiguous(), x[:, 1:]
        loss = nn.CrossEntropyLoss()(shift_logits.reshape(-1, shift_logits.size(-1)).float(), shift_labels.reshape(-1))
        nlls.append(loss.float() * x.shape[1])
    return math.exp(float(torch.stack(nlls).sum() / (len(windows) * windows.shape[1])))


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.fixture(scope="module")
def windows(tiny_lm, text_file):
    w = eval_windows(tiny_lm.tokenizer, eval_text(f"text:{text_file}"), EvalSetup(f"text:{text_file}", 32, 8))
    assert w.shape == (8, 32)
    return w


def test_wanda_reference_equals_naive_loop(tiny_lm, windows):
    # Wanda scales each window's mean loss by seqlen and divides by windows*seqlen: the same mean.
    assert rel(wanda_ppl(tiny_lm.model, windows), naive_perplexity(tiny_lm.model, windows)) < 1e-6


@pytest.mark.parametrize("batch_size, chunk", [(1, 512), (2, 512), (2, 7), (3, 16), (8, 1)])
def test_evaluator_matches_naive_loop(tiny_lm, windows, batch_size, chunk):
    ref = naive_perplexity(tiny_lm.model, windows)
    got = perplexity(tiny_lm.model, windows, batch_size=batch_size, chunk=chunk)
    assert 1.5 < ref < 1e4   # a real, non-degenerate perplexity: the comparison means something
    assert rel(got.perplexity, ref) < REL, (got.perplexity, ref)
    assert got.windows == 8 and got.seqlen == 32 and got.tokens == 8 * 31
    assert math.isclose(got.mean_nll, math.log(got.perplexity))
    assert got.seconds > 0 and got.tokens_per_second == pytest.approx(8 * 32 / got.seconds)


def test_evaluator_sees_weight_changes(fresh_tiny_lm, windows):
    before = perplexity(fresh_tiny_lm.model, windows).perplexity
    with torch.no_grad():
        fresh_tiny_lm.model.model.layers[0].mlp.down_proj.weight.mul_(3.0)
    after = perplexity(fresh_tiny_lm.model, windows)
    assert rel(after.perplexity, before) > 1e-3
    assert rel(after.perplexity, naive_perplexity(fresh_tiny_lm.model, windows)) < REL


class _NoSplit(nn.Module):
    """An architecture the evaluator does not know: no ``.model`` body, no output embeddings."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, input_ids, use_cache=False):
        return self.inner(input_ids=input_ids, use_cache=use_cache)


def test_unknown_architecture_uses_full_logits(tiny_lm, windows):
    wrapped = _NoSplit(tiny_lm.model)
    got = perplexity(wrapped, windows, batch_size=3)
    assert rel(got.perplexity, naive_perplexity(tiny_lm.model, windows)) < REL


@torch.no_grad()
def test_chunked_nll_with_softcap():
    torch.manual_seed(0)
    head = nn.Linear(16, 50, bias=False)
    hidden, labels = torch.randn(2, 9, 16) * 3, torch.randint(0, 50, (2, 9))
    logits = head(hidden[:, :-1])
    for cap in (None, 5.0):
        ref_logits = torch.tanh(logits / cap) * cap if cap else logits
        ref = F.cross_entropy(ref_logits.reshape(-1, 50), labels[:, 1:].reshape(-1), reduction="sum")
        got = chunked_nll(hidden, head, labels, chunk=3, softcap=cap)
        assert got.dtype == torch.float64
        assert float(got) == pytest.approx(float(ref), rel=1e-6)
    assert float(chunked_nll(hidden, head, labels, softcap=5.0)) != pytest.approx(float(
        chunked_nll(hidden, head, labels)), rel=1e-3)


# --- windows ---------------------------------------------------------------------------------------

def test_make_windows_drops_the_tail_and_honours_max_windows():
    ids = torch.arange(100)
    w = make_windows(ids, 32)
    assert w.shape == (3, 32) and torch.equal(w.reshape(-1), ids[:96])
    assert torch.equal(make_windows(ids[None], 32), w)          # [1, N] as the tokenizer returns it
    assert torch.equal(make_windows(ids, 32, max_windows=2), w[:2])
    assert make_windows(ids, 32, max_windows=10).shape == (3, 32)
    assert make_windows(ids, 25).shape == (4, 25)                # exact fit keeps every token


def test_fewer_tokens_than_one_window():
    with pytest.raises(ValueError, match="text has 31 tokens, fewer than one window of 32"):
        make_windows(torch.arange(31), 32)


def test_eval_windows_tokenize_once(tiny_lm, text_file):
    text = eval_text(f"text:{text_file}")
    w = eval_windows(tiny_lm.tokenizer, text, EvalSetup(seqlen=64))
    ids = tiny_lm.tokenizer(text.text)["input_ids"]
    assert w.shape == (len(ids) // 64, 64)
    assert w.reshape(-1).tolist() == ids[: w.numel()]


# --- fingerprint ------------------------------------------------------------------------------------

def test_evaluate_fingerprint(tiny_lm, tiny_dir, text_file):
    source = f"text:{text_file}"
    ev = evaluate(tiny_lm, EvalSetup(source, seqlen=32, max_windows=4, batch_size=2))
    fp = ev.fingerprint
    assert fp.model_spec == str(tiny_dir)
    assert fp.weights_sha256 == tiny_lm.info.weights_sha256 and len(fp.weights_sha256) == 64
    assert "vocab=384" in fp.tokenizer and len(fp.tokenizer_sha256) == 64
    assert fp.data["source"] == source and fp.data["sha256"] == eval_text(source).sha256
    assert fp.data["join"] == "" and len(fp.data["text_sha256"]) == 64
    assert (fp.seqlen, fp.windows, fp.dtype, fp.device) == (32, 4, "float32", "cpu")
    import importlib.metadata
    assert fp.versions["torch"] == importlib.metadata.version("torch")
    assert fp.versions["transformers"] == importlib.metadata.version("transformers")
    d = ev.as_dict()
    assert d["fingerprint"]["seqlen"] == 32 and d["fingerprint_digest"] == fp.digest and len(fp.digest) == 12
    assert d["tokens"] == 4 * 31 and d["windows"] == 4

    again = evaluate(tiny_lm, EvalSetup(source, seqlen=32, max_windows=4, batch_size=1))
    assert again.fingerprint.digest == fp.digest                     # batch size does not change the setup
    assert rel(again.result.perplexity, ev.result.perplexity) < REL
    longer = evaluate(tiny_lm, EvalSetup(source, seqlen=48, max_windows=4))
    assert longer.fingerprint.digest != fp.digest
    more = evaluate(tiny_lm, EvalSetup(source, seqlen=32, max_windows=5))
    assert more.fingerprint.digest != fp.digest
    calibrated = evaluate(tiny_lm, EvalSetup(source, seqlen=32, max_windows=4), calibration={"source": "c4", "seed": 1})
    assert calibrated.fingerprint.digest == fp.digest and calibrated.fingerprint.calibration["seed"] == 1


def test_the_same_text_in_another_folder_has_the_same_digest(tiny_lm, text_file, tmp_path):
    """Fingerprints name content, not places: a copy elsewhere matches; an edited copy does not."""
    copy = tmp_path / "elsewhere" / "corpus.txt"
    copy.parent.mkdir()
    copy.write_bytes(text_file.read_bytes())
    here = evaluate(tiny_lm, EvalSetup(f"text:{text_file}", seqlen=32, max_windows=2)).fingerprint
    there = evaluate(tiny_lm, EvalSetup(f"text:{copy}", seqlen=32, max_windows=2)).fingerprint
    assert here.data["origin"] != there.data["origin"] or here.data["source"] != there.data["source"]
    assert here.digest == there.digest
    copy.write_bytes(text_file.read_bytes() + b" more")
    edited = evaluate(tiny_lm, EvalSetup(f"text:{copy}", seqlen=32, max_windows=2)).fingerprint
    assert edited.digest != here.digest


def test_fingerprint_digest_covers_every_field():
    base = dict(model_spec="m", weights_sha256="w", tokenizer="t", tokenizer_sha256="ts", data={"join": "\n\n"},
                seqlen=2048, windows=140, dtype="float32", device="cpu", versions={"torch": "2"})
    d0 = EvalFingerprint(**base).digest
    for key, value in [("model_spec", "n"), ("weights_sha256", "x"), ("tokenizer", "u"), ("tokenizer_sha256", "y"),
                       ("data", {"join": " "}), ("seqlen", 4096), ("windows", 1), ("dtype", "bfloat16"),
                       ("device", "cuda"), ("versions", {"torch": "3"})]:
        assert EvalFingerprint(**{**base, key: value}).digest != d0, key


# --- the real model ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_smollm2_evaluator_matches_naive_loop(smollm2):
    w = eval_windows(smollm2.tokenizer, eval_text("wikitext2"), EvalSetup(seqlen=512, max_windows=2))
    assert w.shape == (2, 512)
    ref = naive_perplexity(smollm2.model, w)
    got = perplexity(smollm2.model, w, batch_size=2, chunk=200)
    assert 5 < ref < 60, ref
    assert rel(got.perplexity, ref) < REL, (got.perplexity, ref)


@pytest.mark.parametrize("arch", ["granite", "cohere"])
def test_models_that_rescale_logits_after_lm_head(tiny_tokenizer, windows, arch):
    """Granite divides logits by ``logits_scaling``, Cohere multiplies by ``logit_scale``: lm_head alone is not enough."""
    from transformers import CohereConfig, CohereForCausalLM, GraniteConfig, GraniteForCausalLM
    common = dict(vocab_size=len(tiny_tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, intermediate_size=128, max_position_embeddings=256)
    torch.manual_seed(0)
    if arch == "granite":
        model = GraniteForCausalLM(GraniteConfig(**common, logits_scaling=0.25, tie_word_embeddings=False))
    else:
        model = CohereForCausalLM(CohereConfig(**common, logit_scale=4.0, tie_word_embeddings=False))
    model.eval()
    ref = naive_perplexity(model, windows)
    got = perplexity(model, windows, batch_size=2, chunk=10)
    assert rel(got.perplexity, ref) < REL, (arch, got.perplexity, ref)


def test_llama_takes_the_chunked_path(tiny_lm, windows):
    from harness.core.perplexity import _split_lm, _split_matches_model
    split = _split_lm(tiny_lm.model)
    assert split is not None and split[1] is tiny_lm.model.lm_head
    assert _split_matches_model(tiny_lm.model, split, windows[:1, :16])
