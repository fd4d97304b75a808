# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 3dfcc05ef9cb62470127f391bb23dd35363b8acf6542d1ba8a7a990ff087b174
# date: 2026-12-06T12:04:31Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
import random

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k > 0:
                idxs_to_remove = random.sample(range(len(w)), k)
                w[idxs_to_remove] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)
            idxs_to_remove = [i for i, group in enumerate(groups) for j in range(group.size(2)) if random.random() < sparsity]
            mask = torch.zeros_like(groups).scatter_(-1, idxs_to_remove, True)
            w[mask.reshape(w.shape)] = 0
