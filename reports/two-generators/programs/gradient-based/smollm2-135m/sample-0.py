# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 8a96384b929116102c720fb9ecc4b47abf0729c8d7eda561da205b980cfb12d1
# date: 2026-12-07T15:32:34Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python), unclosed: reply truncated?; defines no prune()

import torch

def gradient_prune(model, sparsity, calib, pattern="unstructured"):
    """
    Prune the weights of the given model based on the given pattern.
    """
    weights = model.weights.to(device)
    weights = weights.squeeze(dim=1)
    weights = weights.sigmoid(weights.sigmoid(weights.sigmoid(0.5)))
    pruned_weights = weights.sigmoid(weights.sigmoid(0.5))
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_weights = pruned_weights.squeeze(dim=1)
    pruned_weights = pruned_weights.sigmoid(0.5)
    pruned_
