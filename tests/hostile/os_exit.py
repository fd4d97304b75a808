# expect: killed
"""Ends the process with os._exit(0) before pruning: no status, no tensors."""
import os


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    os._exit(0)
