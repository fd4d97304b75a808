# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 32b63bde70c6c0d8e858da7dfa9363cb6b2e37f061f80469a3c4fc1148e072b4
# date: 2026-12-07T11:17:22Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]
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

    # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
    score = chosen_weights.abs()
    k = int(round(score.numel() * sparsity))
    if k > 0:
        idx = torch.topk(score.flatten(), k, largest=False).indices
        chosen_weights.view(-1)[idx] = 0
