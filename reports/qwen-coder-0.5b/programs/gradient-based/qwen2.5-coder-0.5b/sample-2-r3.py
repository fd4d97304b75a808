# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 8ebc80198a3a6bb278cebd3c6672a04e8115b81f4611945eb7cc34022832ce0d
# date: 2026-12-07T11:55:12Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Accumulate gradient magnitudes or squared gradients.
        grad_abs_sq = torch.abs(w * w) + torch.square(w)

        # Prune weights that the loss is least sensitive to by keeping them as small as possible,
        # but only if the sparsity has been exceeded by less than 0.01% of the weight's absolute value.
        if grad_abs_sq.sum() < sparsity * 0.01:
            mask = torch.topk(grad_abs_sq.flatten(), k, largest=False).indices
            w[mask.reshape(w.shape)] = 0

    # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
    score = w.abs()
    if pattern == "unstructured":
        k = int(round(w.numel() * sparsity))
        if k == 0:
            return
        threshold = torch.kthvalue(score.flatten(), k).values
        w[score <= threshold] = 0

    else:
        n, m = (int(x) for x in pattern.split(":"))
        groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
        idx = torch.topk(groups, n, dim=-1, largest=False).indices
        mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
        w[mask.reshape(w.shape)] = 0

    return None
