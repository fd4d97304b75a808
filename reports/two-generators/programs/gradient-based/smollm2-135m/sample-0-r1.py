# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 0b04de942599a714f42c4c98dfade738ba76ef81b0864401782ddead732b1562
# date: 2026-12-07T15:44:57Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python), unclosed: reply truncated?; defines no prune()

import torch

def gradient_prune(model, sparsity, calib, pattern="unstructured", device="cpu", layers=None):
    """
    Prune the weights of the given model based on the given pattern.
    """
    weights = model.weights.to(device)
    weights = weights.squeeze(dim=1)
    weights = weights.sigmoid(weights.sigmoid(0.5))
    pruned_weights = weights.sigmoid(0.5)
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_
