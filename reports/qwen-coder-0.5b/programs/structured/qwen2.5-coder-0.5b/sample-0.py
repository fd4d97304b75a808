# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 0215089dc7ed9e06df5d9e8b2f7d686c5ea3b4a953c50ec31c0e21e56bbbd16e
# date: 2026-12-07T11:01:13Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        # Zero the chosen structures completely so the remaining weights stay dense.
        mask = torch.zeros_like(w, dtype=torch.bool).scatter_(-1, torch.argsort(sparsity), True)
        w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
