# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template evolve, sha256 9c94fdcc306f4b191377cc2618a60a2a11bbe7bf7eb5524181e7d276abfee822
# date: 2026-12-07T16:35:11Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            norm = (w.abs().sum(0)).view(-1)
            k = int(round(norm.numel() * sparsity))
            if k == 0:
                continue

            sorted_indices = torch.argsort(norm)[::-1]
            to_zero = sorted_indices[:k]

            mask = torch.zeros_like(w, dtype=torch.bool)
            mask[:, to_zero] = True
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            norm = (groups.abs().sum(0).view(-1))

            k = int(round(norm.numel() * sparsity))
            if k == 0:
                continue

            sorted_indices = torch.argsort(norm)[::-1]
            to_zero = sorted_indices[:k]

            mask = torch.zeros_like(w, dtype=torch.bool)
            mask[to_zero] = True

        w[mask] = 0
