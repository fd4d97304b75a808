"""A score worse than a uniform guess (perplexity above the vocabulary size) is recorded ``collapsed``,
not ``ok``: the row keeps its perplexity for the record, but no table reads it as a result."""

from __future__ import annotations

import math

import pytest
import torch

from harness.run.config import CalibrationConfig
from harness.core.evaluate import EvalSetup
from harness.core.interface import Status
from harness.core.models import load_model
from harness.run.scoring import Scorer, is_collapsed, uniform_bound
from harness.core.sparsity import prunable_layers
from harness.run.store import ResultsStore


def test_is_collapsed_only_above_the_bound_and_only_from_a_dense_model_below_it():
    assert not is_collapsed(255.9, 256, 30.0)
    assert not is_collapsed(256.0, 256, 30.0)            # a uniform guess exactly: not worse than one
    assert is_collapsed(256.1, 256, 30.0)
    assert is_collapsed(1.4e45, 49152, 16.6)
    assert is_collapsed(math.inf, 256, 30.0) and is_collapsed(math.nan, 256, 30.0)
    assert not is_collapsed(1e9, 256, 300.0)             # the dense model never beat a uniform guess
    assert not is_collapsed(1e9, 256, 246.0)             # nor by a bit a token (a random model, by chance)
    assert is_collapsed(1e9, 256, 128.0)
    assert not is_collapsed(None, 256, 30.0)             # nothing scored


@pytest.fixture
def trained(tiny_model_dir, tmp_path):
    """The tiny byte-level Llama after a sixty steps on English: it beats a uniform guess."""
    text = tmp_path / "text.txt"
    text.write_text(("The quick brown fox jumps over the lazy dog. A stitch in time saves nine. " * 60))
    lm = load_model(str(tiny_model_dir))
    ids = torch.tensor(lm.tokenizer(text.read_text())["input_ids"][: 16 * 64]).reshape(16, 64)
    opt = torch.optim.Adam(lm.model.parameters(), lr=3e-3)
    lm.model.train()
    for _ in range(60):
        loss = lm.model(ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    lm.model.eval()
    return lm, text


def _scorer(lm, text, tmp_path) -> Scorer:
    store = ResultsStore(tmp_path / "results.sqlite")
    setup = EvalSetup(source=f"text:{text}", seqlen=64, max_windows=8)
    return Scorer(lm, store, setup, CalibrationConfig(source=f"text:{text}", nsamples=2, seqlen=64), prompt="")


def _scramble(lm) -> None:
    """Prunable weights only, made huge and random: confident and wrong, far worse than a uniform guess."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for layer in prunable_layers(lm.model).values():
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) * 50)


def test_a_score_above_the_vocabulary_size_is_collapsed_not_ok(trained, tmp_path):
    lm, text = trained
    scorer = _scorer(lm, text, tmp_path)
    assert scorer.bound == uniform_bound(lm.model) == 256
    dense = scorer.record_dense()
    assert dense.status == "ok" and dense.perplexity < 256

    with torch.no_grad():   # a mild change: still far better than a uniform guess, a result
        for layer in prunable_layers(lm.model).values():
            layer.weight[:, :2] = 0
    mild = scorer.record(scorer.key("candidate", "mild", 0.5, "unstructured"), Status.OK, "achieved sparsity x")
    assert mild.status == "ok" and mild.perplexity < 256 and "collapsed" not in mild.extra

    _scramble(lm)
    bad = scorer.record(scorer.key("candidate", "scrambled", 0.5, "unstructured"), Status.OK, "achieved sparsity x")
    assert bad.status == Status.COLLAPSED.value == "collapsed"
    assert bad.perplexity > 256                          # kept, for the record
    assert bad.extra["collapsed"] == {"perplexity": bad.perplexity, "bound": 256,
                                      "dense_perplexity": dense.perplexity}
    assert bad.detail.startswith("achieved sparsity x; collapsed: perplexity") and "above 256" in bad.detail
    stored = {r.method: r.status for r in scorer.store.rows()}
    assert stored == {"dense": "ok", "mild": "ok", "scrambled": "collapsed"}
    # the dense weights are back after the record
    assert all(torch.equal(v, scorer.dense[k]) for k, v in lm.model.state_dict().items())


def test_a_dense_model_above_the_bound_judges_nothing_collapsed(tiny_model_dir, tmp_path):
    """A random model is within a bit a token of a uniform guess: there is nothing to collapse from."""
    lm = load_model(str(tiny_model_dir))
    text = tmp_path / "text.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 60)
    scorer = _scorer(lm, text, tmp_path)
    _scramble(lm)
    r = scorer.record(scorer.key("candidate", "scrambled", 0.5, "unstructured"), Status.OK, "")
    assert r.perplexity > 256 and scorer.dense_perplexity() > 256 / 2
    assert r.status == "ok"
