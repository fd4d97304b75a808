# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 5317845a804687b30af2968283785f93705f3493dd1b94d7f13b813158252dee
# date: 2026-12-07T11:52:10Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    n, m = (int(x) for x in pattern.split(":"))
    groups = calib.reshape(w.shape[0], -1, m)              # [out, in/m, m]
    idx = torch.topk(groups, n, dim=-1, largest=False).indices
    mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)

    for i in range(n):
        layer = model.layers[i]
        if not mask[i].sum().item():
            layer.weight.data[mask[i]] = 0
