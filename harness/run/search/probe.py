"""The probe model: a tiny, seeded, random Llama on which a program's behaviour is read in seconds.

Two score functions that zero the same weights of this model, given the same statistics, are taken to
be one program: the search does not pay for the second. Random weights and random token ids make the
statistics generic (no ties, no structure a program could special-case). The folder is written once
per run and is the same for every run with the same seed.
"""

from __future__ import annotations

import json
from pathlib import Path

SHAPE = dict(hidden_size=80, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, vocab_size=256, max_position_embeddings=128, tie_word_embeddings=False)
CALIB = (4, 32)   # [sequences, tokens]
# Row widths 80 and 160: every fitness level in steps of 0.05 is a whole number of weights a row.


def probe_model(folder: Path, seed: int = 0) -> tuple[Path, "object"]:
    """(model folder with config.json + model.safetensors, calibration LongTensor [4, 32])."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = Path(folder)
    marker = folder / "probe.json"
    g = torch.Generator().manual_seed(seed + 1)
    calib = torch.randint(0, SHAPE["vocab_size"], CALIB, generator=g)
    if not (marker.is_file() and json.loads(marker.read_text()) == {"seed": seed, **SHAPE}):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(LlamaConfig(**SHAPE)).eval()
        model.save_pretrained(folder, safe_serialization=True)
        marker.write_text(json.dumps({"seed": seed, **SHAPE}))
    return folder, calib
