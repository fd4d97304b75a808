# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 9d9cb79ed21b1f2906a93d22236ab34c1e24f9f64435f00c40ca35bc793ceaa4
# date: 2026-12-03T00:29:20Z
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

        if sparsity < 0.5:
            raise ValueError("Requested sparsity must be between 0 and 1")

    for name, layer in layers.items():
        w = layer.weight.data
        score = w.abs()
        if pattern == "unstructured":
            mask = torch.where(score <= threshold).flatten()  # [out, in/m, m]
            w[mask.reshape(w.shape)] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if sparsity == 0.5:
            break
