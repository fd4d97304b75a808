# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 b50ba12016f2e5504b762b86e1cddb53c7efb1c02ba67b4aec28a81d9869f202
# date: 2026-12-06T12:04:50Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import List

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None) -> None:
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "random_blocks":
            block_size = round(w.shape[1] * sparsity)
            random_indices = torch.randint(0, w.shape[1], (block_size,))
            w[random_indices] = 0
        elif pattern == "random_rows":
            row_size = round(w.shape[0] * sparsity)
            random_indices = torch.randint(0, w.shape[0], (row_size,))
            w[random_indices, :] = 0
        elif pattern == "random_columns":
            col_size = round(w.shape[1] * sparsity)
            random_indices = torch.randint(0, w.shape[1], (col_size,))
            w[:, random_indices] = 0

        elif pattern == "N:M":
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]

            random_row_size = round(groups.shape[0] * sparsity)
            random_row_indices = torch.randint(0, groups.shape[0], (random_row_size,))
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, random_row_indices, True)
            w[mask.reshape(w.shape)] = 0
        else:
            raise ValueError(f"Unsupported pattern: {pattern}")
