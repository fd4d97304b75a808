# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 2), sha256 aaf771f89c9c61b77fe3278ced83a34774fcd57b62082e6785264fca68167a89
# date: 2026-12-03T10:53:47Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python); does not parse: line 10: '(' was never closed

from typing import *
import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Calculate squared gradients of the log-likelihood on the calibration data
        squared_grads = (model(calib[:1].to(device)) - model(calib[0]).pow(2).sum(dim=1)

        # Estimate Fisher information by taking the diagonal of the matrix formed by the squared gradients
        fisher_info = squared_grads.view(-1, 1) * squared_grads

        # Calculate score for each weight
        scores = torch.diag(fisher_info) * w**2

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue

            # Choose the top k weights with the highest scores
            idx = torch.topk(scores.flatten(), k, largest=True).indices
            mask = torch.zeros_like(w, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = scores.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=True).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
