# expect: out-of-memory
"""Allocates and touches 64 GiB, 1 GiB at a time; the memory limit (no swap) stops it."""
import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    hoard = []
    for _ in range(64):
        hoard.append(torch.ones(1 << 28))  # 2**28 float32 = 1 GiB, written, so really resident
