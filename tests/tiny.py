"""Builders for the tiny offline models and tokenizers the fast tests use.

Nothing here downloads: the tokenizer is a byte-level BPE trained in a fraction of a second on a
slice of the shipped WikiText-2 validation file (or on a fixed string when that is absent), the
model is a randomly initialised ``LlamaForCausalLM`` and the GGUF is written with the ``gguf``
package from that model's own tensors, the way llama.cpp's converter lays them out.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=128, max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0,
            tie_word_embeddings=False)
VOCAB = 384
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

FALLBACK_TEXT = ("The quick brown fox jumps over the lazy dog . " * 50
                 + "Robert Boulter is an English film , television and theatre actor . " * 50)


def train_tokenizer(corpus: str):
    """A byte-level BPE ``PreTrainedTokenizerFast`` with ``VOCAB`` entries, eos/bos = ids 0/1."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([corpus], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=SPECIALS[1], eos_token=SPECIALS[0],
                                   unk_token=SPECIALS[0], pad_token=SPECIALS[2])


def tiny_config(vocab_size: int, **overrides):
    from transformers import LlamaConfig
    return LlamaConfig(vocab_size=vocab_size, bos_token_id=1, eos_token_id=0, pad_token_id=2,
                       **{**TINY, **overrides})


def build_tiny_llama(directory: Path, tokenizer, seed: int = 0, **overrides) -> Path:
    """Save a random tiny ``LlamaForCausalLM`` (fp32, sdpa) and ``tokenizer`` to ``directory``."""
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(tiny_config(len(tokenizer), **overrides))
    with torch.no_grad():  # random init gives near-uniform logits; widen them so perplexity means something
        for p in model.parameters():
            if p.dim() == 2:
                p.mul_(4.0)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def _llamacpp_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's ``convert_hf_to_gguf`` q/k row order (rotary halves interleaved); transformers undoes it."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_tiny_gguf(path: Path, hf_dir: Path) -> Path:
    """Write the HF model at ``hf_dir`` (tiny Llama + byte-level BPE tokenizer) as an F32 GGUF file."""
    import gguf
    from safetensors.torch import load_file

    cfg = json.loads((hf_dir / "config.json").read_text())
    tj = json.loads((hf_dir / "tokenizer.json").read_text())
    state = {k: v.float().numpy() for k, v in load_file(str(hf_dir / "model.safetensors")).items()}
    n_head, n_kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("prunegen tiny test llama")
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_rope_freq_base(float(cfg.get("rope_theta") or cfg.get("rope_parameters", {}).get("rope_theta", 10000.0)))
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_rope_dimension_count(cfg["hidden_size"] // n_head)
    w.add_vocab_size(cfg["vocab_size"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32)

    vocab = tj["model"]["vocab"]
    added = {t["content"]: t["id"] for t in tj["added_tokens"]}
    id_to_tok = {i: t for t, i in {**vocab, **added}.items()}
    tokens = [id_to_tok[i] for i in range(len(id_to_tok))]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types([gguf.TokenType.CONTROL if t in added else gguf.TokenType.NORMAL for t in tokens])
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(0)
    w.add_pad_token_id(2)
    w.add_add_bos_token(False)

    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}
    w.add_tensor("token_embd.weight", state["model.embed_tokens.weight"])
    for i in range(cfg["num_hidden_layers"]):
        for hf, gg in names.items():
            t = state[f"model.layers.{i}.{hf}.weight"]
            if gg == "attn_q":
                t = _llamacpp_permute(t, n_head)
            elif gg == "attn_k":
                t = _llamacpp_permute(t, n_kv)
            w.add_tensor(f"blk.{i}.{gg}.weight", np.ascontiguousarray(t))
    w.add_tensor("output_norm.weight", state["model.norm.weight"])
    if "lm_head.weight" in state:
        w.add_tensor("output.weight", state["lm_head.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
