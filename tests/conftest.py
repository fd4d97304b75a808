"""Shared fixtures: a tiny random Llama saved as safetensors, so a sandboxed job takes a second or two."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parent.parent


def make_tiny_llama(path: Path, seed: int = 0) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=256, max_position_embeddings=128,
                         tie_word_embeddings=False)
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(str(path), safe_serialization=True)
    save_byte_tokenizer(path)
    for f in path.iterdir():  # save_file makes 0600 files; readable ones are mounted as they are, not copied
        f.chmod(0o644)
    return path


def save_byte_tokenizer(path: Path) -> None:
    """A byte-level tokenizer with exactly 256 ids (one per byte), so real text fits the tiny vocabulary."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(sorted(alphabet))}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    PreTrainedTokenizerFast(tokenizer_object=tok).save_pretrained(str(path))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_calib() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (4, 32), generator=g)


@pytest.fixture(scope="session")
def sandbox_tmp(tmp_path_factory) -> Path:
    """A dedicated temp root for job folders, so the tests can assert nothing is left in it."""
    root = tmp_path_factory.mktemp("sandbox-root") / "jobs"
    os.environ["PRUNEGEN_SANDBOX_TMP"] = str(root)
    return root
