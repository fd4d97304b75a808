# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 769c968f8477f7c6ef402a511b68ea90a90c18da9c842437259bbeee49597f64
# date: 2026-12-03T11:15:03Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            score = w.abs()
            idxs = torch.topk(score.flatten(), k).indices
            mask = torch.zeros_like(w)
            for i in range(w.shape[1]):
                mask[:, i] = torch.scatter(-1, idxs, True)[i]
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            score = groups.abs().mean(dim=-1).reshape(w.shape[0])  # [out]
            idxs = torch.topk(score.flatten(), n).indices
            mask = torch.zeros_like(groups)
            for i in range(w.shape[0]):
                mask[i] = torch.scatter(-1, idxs, True)[i]

        w[mask.reshape(w.shape)] = 0
