# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 ceae0a74702c54baa7f9f593d64670e5244eaeb3c8b8a6356be57af6067204f6
# date: 2026-12-03T11:19:21Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        if layer.training:
            w.grad.zero_()                                # clear the gradients to prepare for new iteration
        if sparsity == 0:
            continue

        score = (w.grad**2).sum(dim=0)               # [in_features]
        k = int(round(w.numel() * sparsity))
        if k > 0:
            idx = torch.topk(score, k, largest=False).indices
            w.view(-1)[idx] = 0
