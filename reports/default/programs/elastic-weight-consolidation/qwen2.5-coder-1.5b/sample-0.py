# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 0d8e133396c32f6fd177d2ea266fd4ed421744b4dad91058bfd1074630dec2d4
# date: 2026-12-06T12:06:38Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Squared gradients of the log-likelihood on calibration data
        sq_grads = torch.sum(w.grad.square(), dim=1)

        # Fisher information estimates from squared gradients
        fisher_info = sq_grads.unsqueeze(0) / w.numel()

        # Compute the quadratic penalty for removing each weight
        penalty = fisher_info * fisher_info

        # Find the minimum penalty, which is the best prune point
        min_penalty_idx = torch.argmin(penalty)

        # Remove the weight with the highest penalty (costliest removal)
        w[min_penalty_idx] = 0
