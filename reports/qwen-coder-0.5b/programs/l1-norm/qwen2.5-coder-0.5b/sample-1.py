# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 f133231e0ff875ab65b5616351ca14fba197819750ae329b9272ce6f565f95fb
# date: 2026-12-02T18:58:33Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from typing import *
import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Extract the number of groups from the pattern
    if pattern == "N:M":
        n, m = map(int, pattern.split(":"))
    else:
        n, m = (int(x) for x in pattern.split(","))

    # Sort weights or groups by L1 norm
    sorted_weights = sorted(model.weight.data.flatten(), key=lambda x: torch.norm(x))

    # Remove those with the smallest norm
    updated_weights = [weight for weight in sorted_weights if torch.norm(weight) > sparsity * (n / m)]

    # Update the model with the updated weights
    if layers is not None:
        for name, layer in layers.items():
            updated_layer.weight.data = updated_weights
