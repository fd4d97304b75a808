# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 759a8f70587bfe441ca1257c49327918138d9240a45374a2ddd66c5a04cb6b15
# date: 2026-12-02T18:46:57Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import List

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None) -> None:
    for name, layer in (layers or model.model.layers):
        w = getattr(layer, "weight", None)
        if not w:
            continue
        score = w.abs()
        if pattern == "random":
            num_to_set = int(round(w.numel() * sparsity))
            if num_to_set == 0:
                continue
            selected_indices = torch.randint(w.numel(), size=(num_to_set,), device=device)
            mask = torch.zeros_like(score, dtype=torch.bool).scatter_(1, selected_indices.view(-1, 1), True)
            w[mask] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            if pattern == "n:m":
                groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
                num_to_set_per_row = int(round(groups.size(1) * sparsity))
                if num_to_set_per_row == 0:
                    continue
                selected_indices = torch.randint(groups.size(1), size=(groups.size(0), num_to_set_per_row,), device=device)
                mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-2, selected_indices.view(-1, 1), True)
            elif pattern == "row":
                num_to_set_per_row = int(round(w.shape[1] * sparsity))
                if num_to_set_per_row == 0:
                    continue
                selected_indices = torch.randint(w.size(1), size=(w.size(0), num_to_set_per_row,), device=device)
                mask = torch.zeros_like(score, dtype=torch.bool).scatter_(-1, selected_indices.view(-1, 1), True)
            elif pattern == "column":
                num_to_set_per_col = int(round(w.shape[0] * sparsity))
                if num_to_set_per_col == 0:
                    continue
                selected_indices = torch.randint(w.size(0), size=(w.size(1), num_to_set_per_col,), device=device)
                mask = torch.zeros_like(score, dtype=torch.bool).scatter_(-2, selected_indices.view(-1, 1), True)
