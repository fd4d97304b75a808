# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 b9be0c5fe12b1325b7cc37a019bfb490f819d39bdd345cbeb67f27eafa9333a5
# date: 2026-12-07T15:42:38Z
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
