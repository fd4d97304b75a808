# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 3df39ea8fed990eab519132b41ddb939a8b8e2d658e9212f1884af2fd5570156
# date: 2026-12-03T04:53:12Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if not w.grad:
            continue

        sq_grads = torch.sum(w.grad.square(), dim=1)

        fisher_info = sq_grads.unsqueeze(0) / w.numel()

        penalty = fisher_info * fisher_info

        min_penalty_idx = torch.argmin(penalty)

        # Remove the weight with the highest penalty (costliest removal)
        w[min_penalty_idx] = 0
