# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 0d8e133396c32f6fd177d2ea266fd4ed421744b4dad91058bfd1074630dec2d4
# date: 2026-12-07T11:04:25Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs() * torch.sum(w * w)  # squared Fisher information
        if sparsity == 0:
            continue
        mask = torch.topk(score.flatten(), int(round(sparsity)), largest=False).indices
        w[mask.reshape(w.shape)] = 0
