# expect: ok
"""Looks for API keys in its environment and in PID 1's; raises if it finds any, so `ok` proves
the host's OPENAI_API_KEY (set by the test) is not readable inside."""
import os

import torch

def _magnitude(layers, sparsity):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        threshold = torch.kthvalue(w.abs().flatten(), k).values
        w[w.abs() <= threshold] = 0


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    found = [k for k in os.environ if "KEY" in k or "TOKEN" in k or "SECRET" in k]
    for path in ("/proc/1/environ", "/proc/self/environ"):
        try:
            with open(path, "rb") as f:
                if b"OPENAI_API_KEY" in f.read():
                    found.append(path)
        except OSError:
            pass
    if found:
        raise RuntimeError(f"LEAK: {found}")
    _magnitude(layers, sparsity)
