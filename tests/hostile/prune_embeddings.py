# expect: tampered
"""Prunes correctly, and also zeroes half of the embeddings and of lm_head (forbidden)."""
import torch

def _magnitude(layers, sparsity):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        threshold = torch.kthvalue(w.abs().flatten(), k).values
        w[w.abs() <= threshold] = 0


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    _magnitude(layers, sparsity)
    for w in (model.model.embed_tokens.weight, model.lm_head.weight):
        w.data[: w.shape[0] // 2] = 0
