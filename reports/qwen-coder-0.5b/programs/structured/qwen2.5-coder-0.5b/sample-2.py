# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 1efb58000ce6f43d7d05074ed3fd4e868d5d4188139fa68c974e635ea44b2884
# date: 2026-12-02T18:59:08Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if pattern == "unstructured":
            w = layer.weight.data  # [out_features, in_features]
            score = w.abs()
            mask = torch.where(score <= threshold).flatten()  # [out, in/m, m]
            w[mask.reshape(w.shape)] = 0
