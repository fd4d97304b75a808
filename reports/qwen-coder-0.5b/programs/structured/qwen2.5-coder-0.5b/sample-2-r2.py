# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 1fb7e9d8e33ba039d3ef60abe5fb40551c26ffdb620762780a9633cfb46eb569
# date: 2026-12-03T00:23:09Z
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
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
