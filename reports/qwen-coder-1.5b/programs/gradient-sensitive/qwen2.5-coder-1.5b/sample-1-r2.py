# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 2), sha256 6e3ffbf0906966d80d9a4cfdf9f6a67906ab2565f64ffd4f69f7a122e45644ba
# date: 2026-12-03T10:42:58Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from typing import *
import torch
import math

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {name: layer for name, layer in model.named_parameters() if "weight" in name}

    # Create a gradient tape to compute gradients on the calibration data
    with torch.no_grad():
        grad_tape = torch.enable_grad()
        loss_fn = lambda x: model(x, labels=x).loss

        # Forward pass over the calibration data
        for i in range(calib.shape[0]):
            model(calib[i:i + 1].to(device))

        # Compute gradients of the loss with respect to each weight
        for name, layer in layers.items():
            w = layer.weight.data
            grad_tape.set_grad_enabled(True)
            grad = grad_tape.gradient(loss_fn(w), w)

    # Calculate the sensitivity of the loss to each weight using gradients
    sens = torch.abs(w * grad).cpu()

    # Sort the weights by their sensitivity in descending order
    sorted_indices = torch.argsort(sens, descending=True)

    # Remove the top (sparsity - 0.001) sensitive weights
    prune_count = int(round((1 - sparsity) * len(sorted_indices)))
    to_prune = sorted_indices[:prune_count]

    # Set the removed weights to zero
    for name in layers.keys():
        layer = layers[name]
        if name in to_prune:
            layer.weight.data[to_prune] = 0

# Explanation: This pruning algorithm works by first computing the gradients of the loss with respect to each weight.
# It then calculates the sensitivity of the loss to each weight using the absolute value
# of the product of the weight and its gradient. The weights are sorted by their sensitivity in descending order,
# and the top (sparsity - 0.001) sensitive weights are removed. Finally, the remaining weights are set to zero.
