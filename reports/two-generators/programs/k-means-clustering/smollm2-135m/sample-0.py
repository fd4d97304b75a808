# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 774c9454d5b31ee7d73ed22f93b01c0f8e4478ea783514f9e65e74435181962b
# date: 2026-12-07T15:32:34Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k)
            w[score <= threshold] = 0
