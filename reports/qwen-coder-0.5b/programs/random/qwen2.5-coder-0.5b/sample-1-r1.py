# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 d5d23f02b922da706b6c880aed88d0cb0aee4d9bbb41a00e5099bb063d694a54
# date: 2026-12-07T11:18:15Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Set the random seed for reproducibility
    torch.manual_seed(42)

    n, m = (int(x) for x in pattern.split(":"))
    groups = calib.reshape(w.shape[0], -1, m)              # [out, in/m, m]
    idx = torch.topk(groups, n, dim=-1, largest=False).indices
    mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)

    # Remove weights from the prunable layers that match the mask
    for i in range(n):
        layer = model.layers[i]
        if not mask[i].sum().item():
            layer.weight.data[mask[i]] = 0
