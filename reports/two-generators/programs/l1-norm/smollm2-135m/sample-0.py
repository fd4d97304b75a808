# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 029b2f2abb46f6ed81379f9ceb4075331cd86eaef19efdc70bfae9257f35071e
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
