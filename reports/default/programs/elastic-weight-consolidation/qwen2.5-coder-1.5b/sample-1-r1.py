# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 e64b71f5576ce08323886b8e3774f12911e72f0b7cbcf660314c5c93d412295c
# date: 2026-12-02T18:49:30Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from typing import *
import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Calculate squared gradients of the log-likelihood on the calibration data
        sq_grads = (model(calib).log_prob - w.log()).square()

        # Estimate Fisher information using the squared gradients
        fisher_info = torch.mean(sq_grads, dim=0)

        # Calculate the importance score of each weight
        importance_score = fisher_info * sq_grads

        # Prune weights based on the quadratic penalty
        mask = importance_score >= sparsity * w.norm(dim=1).max()
        w[mask] = 0
