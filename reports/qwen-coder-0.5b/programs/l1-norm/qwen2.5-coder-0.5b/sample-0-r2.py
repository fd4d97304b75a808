# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 8904b6bdd690de62d014cc4ab5307a56a6a77d957dfeaee55c42b5d2914fed84
# date: 2026-12-07T11:35:38Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        l1_norm = torch.abs(w).sum()                       # broadcast [in_features] over the rows

        if pattern == "unstructured":
            k = int(round(l1_norm * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(l1_norm.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = l1_norm.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        score = w.abs()
        if len(w) == 0:
            continue

        # Remove those with the smallest norm
        if k > 0:
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device), labels=i)
