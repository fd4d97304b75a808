# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 1), sha256 ca49ca077b9a377cc6bf9382e36f1aae00ddf8d52585d5b452c00de388fd9d67
# date: 2026-12-07T11:18:31Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        n = sum(1 for w in model.parameters() if not w.requires_grad and not w.is_zero)

        if pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            removal_indices = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, removal_indices, True)

        else:
            if k == 0 or not (n - k) % m == 0:
                continue

        # Apply the pruning
        for name, layer in layers.items():
            if name not in mask:
                model[name].weight.data[mask.reshape(mask.size)] = 0

    return None
