# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template user, sha256 3fda8b5106e1d33fdca512f2b4cf8e22843995e58bd3d54f9424c44753b79165
# date: 2026-12-02T18:00:35Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from typing import *
import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Calculate squared gradients of the log-likelihood on the calibration data
        sq_grads = (model(calib[i:i+1].to(device)).log_prob - w.log()).square()

        # Estimate Fisher information using the squared gradients
        fisher_info = torch.mean(sq_grads, dim=0)

        # Calculate the importance score of each weight
        importance_score = fisher_info * sq_grads

        # Prune weights based on the quadratic penalty
        mask = importance_score >= sparsity * w.norm(dim=1).max()
        w[mask] = 0
