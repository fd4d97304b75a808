# expect: non-finite
"""Prunes correctly, then writes a NaN into a kept weight."""
import torch

def _magnitude(layers, sparsity):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        threshold = torch.kthvalue(w.abs().flatten(), k).values
        w[w.abs() <= threshold] = 0


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    _magnitude(layers, sparsity)
    w = next(iter(layers.values())).weight.data
    w[w != 0] = float("nan")
