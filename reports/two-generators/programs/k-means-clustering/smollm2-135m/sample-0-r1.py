# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 546d400a11c5fb74980154c45ec4be9c54186e1ca8dc470c326bf4d77599a50c
# date: 2026-12-03T12:15:54Z
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
