# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 8543870ed34b29034aa5c2211debd966bb067e9fe08533c92004068ff38ae5e1
# date: 2026-12-07T11:52:20Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data

        if not w.requires_grad and not w.is_zero:
            raise ValueError(f"invalid tensor type: {name}")

        k, m = (int(x) for x in pattern.split(":"))
        removal_indices = torch.topk(groups, n, dim=-1, largest=False).indices
        mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, removal_indices, True)

        if k == 0 or not (n - k) % m == 0:
            continue

        # Apply the pruning
        for name, layer in layers.items():
            if name not in mask:
                model[name].weight.data[mask.reshape(mask.size)] = 0

    return None
