# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 4
# prompt: template evolve, sha256 61cb0f3be06f17a1c762f57edb29d796eba3c56a6a8ac03a3877f9f5dda5faa7
# date: 2026-12-07T16:37:14Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            norm = (w.abs().sum(0)).view(-1)
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            norm = (groups.abs().sum(0).view(-1))

        k = int(round(norm.numel() * sparsity))
        if k == 0:
            continue

        sorted_indices = torch.argsort(norm)
        to_zero = sorted_indices[:k]

        mask = torch.zeros_like(w, dtype=torch.bool)
        if pattern == "unstructured":
            mask[:, to_zero] = True
        else:
            mask[to_zero] = True

        w[mask] = 0
