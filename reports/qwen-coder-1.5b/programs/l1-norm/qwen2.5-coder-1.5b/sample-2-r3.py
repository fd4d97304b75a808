# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 b039553220c75bb12c47854266cccb5563e979d5b9c3965ff60e405047af8f35
# date: 2026-12-03T11:13:42Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            norm_per_row = w.norm(dim=0).flatten()         # L1 norm of each row
            threshold = torch.min(norm_per_row)       # smallest non-zero row norm (L1)
            mask = norm_per_row >= threshold  # True for rows to keep
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            scores = torch.sum(torch.abs(groups), dim=-1)       # L1 norm of each group
            threshold = torch.min(scores)                  # smallest non-zero group score (L1)
            mask = scores >= threshold  # True for groups to keep

        w[mask.reshape(w.shape)] = 0  # zero rows or groups with the smallest norm
