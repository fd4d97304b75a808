# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 385f3ba8fe9d29182a8a341fc806b3cb3a8026ff7fbf04d149467c8192906f11
# date: 2026-12-07T11:54:55Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # torch.Tensor [out_features, in_features]
        score = w.abs()

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]

            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)

            w[mask.reshape(w.shape)] = 0

    sparsity_not_met = score.abs().sum() / sq_norms[name].sqrt()
    if sparsity_not_met < sparsity - 0.001:
        raise RuntimeError("Sparsity not met")
