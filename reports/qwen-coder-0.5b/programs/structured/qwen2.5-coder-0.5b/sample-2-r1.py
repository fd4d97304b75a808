# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 1), sha256 0adb8c4ff6c2e91bc1e8d5dcefa774249999a2680be629e34e1ff8ca8489ce74
# date: 2026-12-03T00:16:31Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data  # [out_features, in_features]
        score = w.abs()  # [out_features, in_features]

        if pattern == "unstructured":
            mask = torch.where(score <= threshold).flatten()  # [out, in/m, m]
            w[mask.reshape(w.shape)] = 0
