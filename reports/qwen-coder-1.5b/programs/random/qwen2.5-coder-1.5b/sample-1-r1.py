# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 93ea4ddbd8b67f21fac2c399dc70b06757b8c678c1e51077126df27b8058690f
# date: 2026-12-03T06:32:20Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
import random


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue

            indices = torch.arange(w.numel())
            random.shuffle(indices)
            indices = indices[:k]

            for i in range(len(indices)):
                if indices[i] >= w.shape[0]:
                    raise IndexError("index {} is out of bounds for dimension 0 with size {}".format(i, w.shape[0]))

            w[indices] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.arange(groups.numel())
            random.shuffle(idx)
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        layer.weight.data[:] = w
