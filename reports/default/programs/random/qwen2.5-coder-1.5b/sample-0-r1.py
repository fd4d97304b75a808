# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 bd415cd8b4f068d3bab066a6bbb01d8fe619e9182c78c7c180e7c99cd7c5ff6b
# date: 2026-12-02T18:46:09Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
import random

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            random.shuffle(threshold)
            mask = w <= threshold[0]
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
        w[mask] = 0
