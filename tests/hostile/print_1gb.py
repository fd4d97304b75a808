# expect: ok
"""Prints 1 GB to stdout, then prunes properly. The harness must survive with a short log tail."""
import sys

import torch

def _magnitude(layers, sparsity):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        threshold = torch.kthvalue(w.abs().flatten(), k).values
        w[w.abs() <= threshold] = 0


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    line = ("x" * 1023 + "\n")
    block = line * 1024  # 1 MiB
    for _ in range(1024):
        sys.stdout.write(block)
    sys.stdout.flush()
    _magnitude(layers, sparsity)
