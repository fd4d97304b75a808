# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 5923f6399934513a396e6950b3f1e37b4b624871201100b5b12b9da82dc11b19
# date: 2026-12-07T15:41:19Z
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
