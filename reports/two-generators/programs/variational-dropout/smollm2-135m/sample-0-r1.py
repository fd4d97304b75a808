# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 019a1a7686ea849b808dbe2a27ac8c4eb25c5b845c3bac8627cb5b265b18c767
# date: 2026-12-07T15:44:25Z
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
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
