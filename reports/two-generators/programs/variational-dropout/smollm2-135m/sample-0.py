# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 844f6fc2f8113f3ac67326c38b9551473ee41ea7c440cc2bcc0c6903b1c0d622
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
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
